/** What one Janus start is configured with; every value is chosen by lawline, none by a client. */
export interface JanusSettings {
  /** The private runtime dir: the configuration, and the plugin and transport folders (`runtime-dir.ts`). */
  folder: string;
  /** Janus API and admin API over WebSocket, both bound to 127.0.0.1. */
  wsPort: number;
  adminPort: number;
  /** Fresh for every start: only the node that started Janus can drive it. */
  apiSecret: string;
  adminSecret: string;
  /** UDP ports for ICE/RTP; firewalls open exactly this range. */
  rtpPorts: { min: number; max: number };
  /** The public address for a host behind 1:1 NAT (a cloud VM), put in every host candidate. */
  publicIp?: string;
  /** Janus's debug level, 0 (nothing) to 7. */
  logLevel: number;
}

/** libconfig string literal (the values are ours, but a path may hold a quote or a backslash). */
const str = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * The configuration files of one Janus start, by file name. Janus loads every plugin and
 * transport in its folders, so the folders hold only the videoroom plugin and the WebSocket
 * transport (`runtime-dir.ts`): nothing else listens or runs. Sessions a client of ours
 * abandoned are reaped after 60 s; the server keeps its own alive.
 */
export function janusConfigFiles(s: JanusSettings): Record<string, string> {
  const nat = [`  ice_ignore_list = "vmnet"`, ...(s.publicIp ? [`  nat_1_1_mapping = ${str(s.publicIp)}`] : [])];
  return {
    'janus.jcfg': [
      'general: {',
      `  configs_folder = ${str(s.folder)}`,
      `  plugins_folder = ${str(`${s.folder}/plugins`)}`,
      `  transports_folder = ${str(`${s.folder}/transports`)}`,
      `  events_folder = ${str(`${s.folder}/events`)}`,
      `  loggers_folder = ${str(`${s.folder}/loggers`)}`,
      `  debug_level = ${s.logLevel}`,
      `  api_secret = ${str(s.apiSecret)}`,
      `  admin_secret = ${str(s.adminSecret)}`,
      '  session_timeout = 60',
      // Janus refuses to write recordings (a later step) into these.
      '  protected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var"]',
      '}',
      'media: {',
      `  rtp_port_range = "${s.rtpPorts.min}-${s.rtpPorts.max}"`,
      '}',
      'nat: {',
      ...nat,
      '}',
      '',
    ].join('\n'),
    'janus.transport.websockets.jcfg': [
      'general: {',
      '  json = "compact"',
      '  ws = true',
      `  ws_port = ${s.wsPort}`,
      '  ws_ip = "127.0.0.1"',
      '  wss = false',
      '}',
      'admin: {',
      '  admin_ws = true',
      `  admin_ws_port = ${s.adminPort}`,
      '  admin_ws_ip = "127.0.0.1"',
      '  admin_wss = false',
      '}',
      '',
    ].join('\n'),
    // Rooms are created and destroyed by lawline only: the admin key guards both. Rooms and
    // participants are named by lawline's ids (strings), not by numbers to keep a map of.
    'janus.plugin.videoroom.jcfg': ['general: {', `  admin_key = ${str(s.adminSecret)}`, '  lock_rtp_forward = true', '  string_ids = true', '}', ''].join('\n'),
  };
}
