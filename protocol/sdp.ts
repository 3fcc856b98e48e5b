import { ErrorCode } from './errors.ts';
import { LIMITS } from './frames.ts';
import type { ProtocolError } from './result.ts';

/**
 * Whether a text is shaped like a session description (RFC 8866) before it reaches the media
 * engine: `v=0` first, then `o=`, `s=` and at least one `m=` line, every line `<letter>=<value>`
 * with no control characters, ICE credentials and a DTLS fingerprint, at most `LIMITS.maxSdpChars`. The engine parses it for real and
 * may still refuse it (`SDP_INVALID` too); this keeps garbage and oversized text away from it.
 */
export function sdpProblem(sdp: string): ProtocolError | undefined {
  if (sdp.length > LIMITS.maxSdpChars) return { code: ErrorCode.SDP_TOO_LARGE, message: `an SDP is at most ${LIMITS.maxSdpChars} characters` };
  const lines = sdp.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const invalid = (why: string): ProtocolError => ({ code: ErrorCode.SDP_INVALID, message: `not an SDP: ${why}` });
  if (lines[0] !== 'v=0') return invalid('it must begin with v=0');
  let origin = false;
  let name = false;
  let media = false;
  for (const [i, line] of lines.entries()) {
    // Printable text and tabs only (attribute values are UTF-8 in places, RFC 8866 5.x).
    if (!/^[a-z]=[^\u0000-\u0008\u000a-\u001f\u007f]*$/.test(line)) return invalid(`line ${i + 1} is not <letter>=<value>`);
    origin ||= line.startsWith('o=');
    name ||= line.startsWith('s=');
    media ||= line.startsWith('m=');
  }
  if (!origin || !name) return invalid('no o= or s= line');
  if (!media) return invalid('no m= line');
  // WebRTC always has ICE and DTLS-SRTP: without them the engine would refuse it anyway, and a
  // party's offer the engine refuses has already ended the leg it was to replace.
  for (const attribute of ['a=ice-ufrag:', 'a=ice-pwd:', 'a=fingerprint:']) {
    if (!lines.some((line) => line.startsWith(attribute))) return invalid(`no ${attribute.slice(0, -1)} line (not a WebRTC session)`);
  }
  return undefined;
}
