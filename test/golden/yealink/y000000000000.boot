#!version:1.0.0.1
## phonehome: generic boot file; each phone's own settings come through <mac>.boot
overwrite_mode = 1
[T30, T30P]
include:config "y000000000127.cfg"
[T31, T31P, T31G]
include:config "y000000000123.cfg"
[T33P, T33G]
include:config "y000000000124.cfg"
[T41S]
include:config "y000000000068.cfg"
[T42S]
include:config "y000000000067.cfg"
[T46S]
include:config "y000000000066.cfg"
[T48S]
include:config "y000000000065.cfg"
[T42U]
include:config "y000000000116.cfg"
[T43U]
include:config "y000000000107.cfg"
[T44U]
include:config "y000000000173.cfg"
[T44W]
include:config "y000000000174.cfg"
[T46U]
include:config "y000000000108.cfg"
[T48U]
include:config "y000000000109.cfg"
[T52S]
include:config "y000000000074.cfg"
[T54S]
include:config "y000000000070.cfg"
[T53, T53W]
include:config "y000000000095.cfg"
[T54W]
include:config "y000000000096.cfg"
[T57W]
include:config "y000000000097.cfg"
