import { useEffect, useRef, useState } from 'preact/hooks';
import { CallDesk, type ShownCall } from '../../session/calls.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';

/** The call of a consultation as this page knows it; renders again when it changes. */
function useCall(id: string): { desk: CallDesk; shown: ShownCall | undefined } {
  const desk = useActions().calls;
  const [, setVersion] = useState(0);
  useEffect(() => desk.subscribe(() => setVersion((n) => n + 1)), [desk]);
  return { desk, shown: desk.get(id) };
}

/** Plays a stream in a media element (srcObject is a property, not an attribute: set here). */
function Media({ stream, video, label, testId, mine }: { stream: MediaStream | undefined; video: boolean; label: string; testId: string; mine?: boolean }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== (stream ?? null)) ref.current.srcObject = stream ?? null;
  }, [stream]);
  if (!video) return <audio ref={ref} autoplay data-testid={testId} aria-label={label} />;
  return <video ref={ref} autoplay playsinline muted={mine} class={mine ? 'call-local' : 'call-remote'} data-testid={testId} aria-label={label} />;
}

/**
 * Calls on an open consultation: ask for a voice or video call, answer one that rings, and
 * during a call the other party's video (or voice), this page's camera, mute, camera off and
 * hang-up. Says when the browser refused the camera or microphone, and when media reconnects.
 */
export function CallPanel({ id }: { id: string }) {
  const t = useT();
  const me = useApp((s) => s.identity?.id);
  const role = useApp((s) => s.identity?.role);
  const state = useApp((s) => s.consultations[id]?.view.state);
  const { desk, shown } = useCall(id);
  const [busy, setBusy] = useState(false);
  if (role !== 'citizen' && role !== 'lawyer') return null;
  const run = (act: () => Promise<void>) => async () => {
    setBusy(true);
    await act();
    setBusy(false);
  };
  const refusal = desk.lastError?.consultationId === id ? desk.lastError.message : undefined;

  if (!shown) {
    if (state !== 'active') return null;
    if (!desk.availability.available) return <p class="muted call" data-testid="call-unavailable">{t('callUnavailable')}</p>;
    return (
      <div class="row call" role="group" aria-label={t('callControls')}>
        <button type="button" data-testid="call-voice" disabled={busy} onClick={run(() => desk.start(id, 'voice'))}>
          {t('callVoice')}
        </button>
        <button type="button" data-testid="call-video" disabled={busy} onClick={run(() => desk.start(id, 'video'))}>
          {t('callVideo')}
        </button>
        <ErrorNote message={refusal} />
      </div>
    );
  }
  const { view } = shown;
  const other = CallDesk.other(view, me);
  const name = other?.name ?? '';
  const video = view.media === 'video';
  const theirs = view.parties.find((p) => p.person.id !== me);
  if (view.state === 'ringing' && view.caller.id !== me && !shown.call) {
    return (
      <div class="card call ringing" role="group" aria-label={t('callControls')} data-testid="call-ringing">
        <p>{t(video ? 'callIncomingVideo' : 'callIncomingVoice', { name })}</p>
        <div class="row">
          <button class="primary" type="button" data-testid="call-accept" disabled={busy} onClick={run(() => desk.accept(id))}>
            {t('callAccept')}
          </button>
          <button type="button" data-testid="call-decline" disabled={busy} onClick={run(() => desk.decline(id))}>
            {t('callDecline')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <div class="card call" role="group" aria-label={t('callControls')} data-testid="call" data-state={view.state}>
      <p data-testid="call-status">{view.state === 'ringing' ? t('callCalling', { name }) : t(video ? 'callInVideo' : 'callInVoice', { name })}</p>
      {!shown.call && <p class="muted">{t('callElsewhere')}</p>}
      {shown.reconnecting && <p role="status" data-testid="call-reconnecting">{t('callReconnecting')}</p>}
      {shown.denied && (
        <p class="error" role="alert" data-testid="call-denied">
          {t('callDenied')}
        </p>
      )}
      {theirs && !theirs.audio && <p class="muted" data-testid="call-other-muted">{t('callOtherMuted', { name })}</p>}
      {video && theirs && !theirs.video && <p class="muted" data-testid="call-other-camera-off">{t('callOtherCameraOff', { name })}</p>}
      {shown.call && (
        <div class="call-media">
          <Media stream={shown.remote} video={video} label={t('callRemote', { name })} testId="call-remote" />
          {video && <Media stream={shown.local} video label={t('callLocal')} testId="call-local" mine />}
        </div>
      )}
      <div class="row">
        {shown.call && view.state === 'active' && (
          <button type="button" data-testid="call-mute" aria-pressed={shown.muted} onClick={run(() => desk.mute(id, !shown.muted))}>
            {t(shown.muted ? 'callUnmute' : 'callMute')}
          </button>
        )}
        {shown.call && view.state === 'active' && video && (
          <button type="button" data-testid="call-camera" aria-pressed={shown.cameraOff} onClick={run(() => desk.camera(id, shown.cameraOff))}>
            {t(shown.cameraOff ? 'callCameraOn' : 'callCameraOff')}
          </button>
        )}
        <button class="primary danger" type="button" data-testid="call-hangup" disabled={busy} onClick={run(() => desk.hangup(id))}>
          {t('callHangup')}
        </button>
      </div>
      <ErrorNote message={shown.error} />
    </div>
  );
}
