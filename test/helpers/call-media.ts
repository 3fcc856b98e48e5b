import type { Page } from 'playwright-core';

/**
 * For a page's init script (or evaluate before it makes any): every RTCPeerConnection the page
 * makes is kept on `window.pcs`, so a test can read getStats() of connections the SDK owns.
 */
export function keepPeerConnections(): void {
  const pcs: RTCPeerConnection[] = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  } as typeof RTCPeerConnection;
  (window as unknown as { pcs: RTCPeerConnection[] }).pcs = pcs;
}

/** What the page receives now over its live connections: video frames decoded and audio energy (Chromium measures it on what plays out). */
export const received = (p: Page): Promise<{ frames: number; energy: number }> =>
  p.evaluate(async () => {
    const out = { frames: 0, energy: 0 };
    for (const pc of (window as unknown as { pcs: RTCPeerConnection[] }).pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type !== 'inbound-rtp') continue;
        if (s.kind === 'video') out.frames += s.framesDecoded ?? 0;
        if (s.kind === 'audio') out.energy += s.totalAudioEnergy ?? 0;
      }
    }
    return out;
  });

/** How much of each the page gets over `ms`. */
export async function gained(p: Page, ms: number): Promise<{ frames: number; energy: number }> {
  const a = await received(p);
  await new Promise((r) => setTimeout(r, ms));
  const b = await received(p);
  return { frames: b.frames - a.frames, energy: b.energy - a.energy };
}
