#!version:1.0.0.1
overwrite_mode = 1
include:config "y000000000096.cfg"
include:config "805ec0a1b254.cfg"
