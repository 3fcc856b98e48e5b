import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.ts';
import { LIMITS } from './frames.ts';
import { sdpProblem } from './sdp.ts';

const minimal = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 AB:CD\r\na=rtpmap:111 opus/48000/2\r\n';

describe('sdpProblem', () => {
  it('takes an SDP-shaped text', () => {
    expect(sdpProblem(minimal)).toBeUndefined();
    expect(sdpProblem(minimal.replaceAll('\r\n', '\n'))).toBeUndefined();
  });
  it.each([
    ['garbage', 'hello there'],
    ['no v=0 first', minimal.replace('v=0', 'v=1')],
    ['no m= line', 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'],
    ['a line that is not letter=value', `${minimal}this is not sdp\r\n`],
    ['a control character', `${minimal}a=x\u0001\r\n`],
    ['no ICE credentials or fingerprint (not WebRTC)', minimal.replace(/a=(ice-ufrag|ice-pwd|fingerprint):[^\r]*\r\n/g, '')],
    ['no fingerprint', minimal.replace(/a=fingerprint:[^\r]*\r\n/, '')],
    ['an empty line inside', minimal.replace('s=-\r\n', 's=-\r\n\r\n')],
  ])('refuses %s as SDP_INVALID', (_why, text) => {
    expect(sdpProblem(text)?.code).toBe(ErrorCode.SDP_INVALID);
  });
  it('refuses one longer than the limit as SDP_TOO_LARGE', () => {
    const long = minimal + `a=x-pad:${'x'.repeat(LIMITS.maxSdpChars)}\r\n`;
    expect(sdpProblem(long)?.code).toBe(ErrorCode.SDP_TOO_LARGE);
  });
});
