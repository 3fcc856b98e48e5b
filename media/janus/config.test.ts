import { describe, expect, it } from 'vitest';
import { janusConfigFiles, type JanusSettings } from './config.ts';

const base: JanusSettings = { folder: '/run/x', wsPort: 8188, adminPort: 7188, apiSecret: 's1', adminSecret: 's2', rtpPorts: { min: 20000, max: 20100 }, logLevel: 3 };

describe('Janus configuration', () => {
  it('binds both APIs to loopback, guards them and the rooms with the secrets, and maps a public address only when given', () => {
    const files = janusConfigFiles(base);
    expect(Object.keys(files).sort()).toEqual(['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg']);
    const ws = files['janus.transport.websockets.jcfg'];
    expect(ws).toContain('ws_ip = "127.0.0.1"');
    expect(ws).toContain('admin_ws_ip = "127.0.0.1"');
    expect(ws).toContain('wss = false');
    expect(files['janus.jcfg']).toContain('api_secret = "s1"');
    expect(files['janus.jcfg']).toContain('rtp_port_range = "20000-20100"');
    expect(files['janus.plugin.videoroom.jcfg']).toContain('admin_key = "s2"');
    expect(files['janus.jcfg']).not.toContain('nat_1_1_mapping');
    expect(janusConfigFiles({ ...base, publicIp: '203.0.113.7' })['janus.jcfg']).toContain('nat_1_1_mapping = "203.0.113.7"');
  });

  it('writes a folder with a quote or a backslash as one libconfig string', () => {
    expect(janusConfigFiles({ ...base, folder: '/tmp/a"b\\c' })['janus.jcfg']).toContain('configs_folder = "/tmp/a\\"b\\\\c"');
  });
});
