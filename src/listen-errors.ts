/**
 * A listener that cannot bind its port, said the way an operator can act on: which listener, which
 * address and port, and the flag or environment variable that moves it. The CLI prints the message
 * without a stack trace and exits 1.
 */
export interface ListenerSpec {
  /** "phone HTTP listener", "admin API listener", ... */
  readonly name: string;
  readonly protocol: "tcp" | "udp";
  readonly portFlag: string;
  readonly portEnv: string;
  readonly hostFlag: string;
  readonly hostEnv: string;
}

export const LISTENERS = {
  http: { name: "phone HTTP listener", protocol: "tcp", portFlag: "--http-port", portEnv: "PHONEHOME_HTTP_PORT", hostFlag: "--http-host", hostEnv: "PHONEHOME_HTTP_HOST" },
  https: { name: "phone HTTPS listener", protocol: "tcp", portFlag: "--https-port", portEnv: "PHONEHOME_HTTPS_PORT", hostFlag: "--https-host", hostEnv: "PHONEHOME_HTTPS_HOST" },
  api: { name: "admin API listener", protocol: "tcp", portFlag: "--api-port", portEnv: "PHONEHOME_API_PORT", hostFlag: "--api-host", hostEnv: "PHONEHOME_API_HOST" },
  tftp: { name: "TFTP server", protocol: "udp", portFlag: "--tftp-port", portEnv: "PHONEHOME_TFTP_PORT", hostFlag: "--tftp-host", hostEnv: "PHONEHOME_TFTP_HOST" },
} as const satisfies Record<string, ListenerSpec>;

export class ListenError extends Error {
  constructor(
    message: string,
    readonly listener: ListenerSpec,
    readonly host: string,
    readonly port: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/** What went wrong binding `host:port`, and what to do about it. */
export function describeListenFailure(err: unknown, spec: ListenerSpec, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const where = `${spec.name} cannot use ${spec.protocol.toUpperCase()} port ${port} on ${host}`;
  const move = `move this listener with ${spec.portFlag} <port> (or ${spec.portEnv})`;
  switch (code) {
    case "EADDRINUSE": {
      const ss = spec.protocol === "udp" ? "ss -lunp" : "ss -ltnp";
      return `${where}: another program is already listening there (see \`${ss} 'sport = :${port}'\`). Stop that program, or ${move}.`;
    }
    case "EACCES":
      return `${where}: no permission (ports below 1024 need root or CAP_NET_BIND_SERVICE, which contrib/phonehome.service grants). Grant it, or ${move} to a port above 1023.`;
    case "EADDRNOTAVAIL":
      return `${where}: ${host} is not an address of this machine. Change ${spec.hostFlag} (or ${spec.hostEnv}).`;
    default:
      return `${where}: ${(err as Error).message ?? String(err)}. Change ${spec.portFlag} (or ${spec.portEnv}) or ${spec.hostFlag} (or ${spec.hostEnv}).`;
  }
}

export function listenError(err: unknown, spec: ListenerSpec, host: string, port: number): ListenError {
  return new ListenError(describeListenFailure(err, spec, host, port), spec, host, port, (err as NodeJS.ErrnoException).code ?? "");
}

/** `promise`, with a bind failure turned into a ListenError naming the listener. */
export function naming<T>(promise: Promise<T>, spec: ListenerSpec, host: string, port: number): Promise<T> {
  return promise.catch((err: unknown) => {
    throw listenError(err, spec, host, port);
  });
}
