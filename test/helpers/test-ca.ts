import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A certificate authority made with the openssl command line (an independent tool), standing in
 * for a vendor root such as Polycom's: issues client certificates, revokes them, writes CRLs.
 */
export class TestCa {
  readonly certFile: string;
  private readonly conf: string;

  constructor(
    readonly dir: string,
    readonly name: string,
  ) {
    mkdirSync(join(dir, "newcerts"), { recursive: true });
    writeFileSync(join(dir, "index.txt"), "");
    writeFileSync(join(dir, "crlnumber"), "01\n");
    this.conf = join(dir, "ca.cnf");
    this.certFile = join(dir, "ca.crt");
    writeFileSync(
      this.conf,
      [
        "[ca]",
        "default_ca = testca",
        "[testca]",
        `dir = ${dir}`,
        "database = $dir/index.txt",
        "new_certs_dir = $dir/newcerts",
        "certificate = $dir/ca.crt",
        "private_key = $dir/ca.key",
        "crlnumber = $dir/crlnumber",
        "rand_serial = yes",
        "default_md = sha256",
        "default_crl_days = 30",
        "policy = anything",
        "unique_subject = no",
        "copy_extensions = copy",
        "[anything]",
        "commonName = supplied",
        "organizationName = optional",
        "[client]",
        "basicConstraints = CA:FALSE",
        "keyUsage = digitalSignature, keyEncipherment",
        "extendedKeyUsage = clientAuth",
        "",
      ].join("\n"),
    );
    this.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "ca.key"), "-out", this.certFile, "-days", "3650", "-subj", `/O=${name}/CN=${name} Root CA`]);
  }

  private openssl(args: string[]): string {
    return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /** Issues a client certificate; returns the paths of its certificate and key. */
  issue(id: string, subject: string, validity: { start?: string; end?: string } = {}): { cert: string; key: string } {
    const key = join(this.dir, `${id}.key`);
    const csr = join(this.dir, `${id}.csr`);
    const cert = join(this.dir, `${id}.crt`);
    this.openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subject]);
    const dates = [...(validity.start ? ["-startdate", validity.start] : []), ...(validity.end ? ["-enddate", validity.end] : ["-days", "365"])];
    this.openssl(["ca", "-batch", "-config", this.conf, "-extensions", "client", "-in", csr, "-out", cert, ...dates]);
    return { cert, key };
  }

  revoke(certFile: string): void {
    this.openssl(["ca", "-batch", "-config", this.conf, "-revoke", certFile]);
  }

  /** Writes the current CRL (PEM) to `file`. */
  writeCrl(file: string): void {
    this.openssl(["ca", "-batch", "-config", this.conf, "-gencrl", "-out", file]);
  }
}
