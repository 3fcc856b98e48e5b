// Steps for artillery's ws engine speaking lawline's JSON subprotocol (lawline.v1.json): a
// request is answered by a reply with its id, with pushes in between, so each step sends one
// request and waits for its own reply. Reply times go to artillery's report as
// `lawline.<type>` histograms; an error reply fails the virtual user with its code.
'use strict';

const CATEGORIES = ['labor', 'family'];

function call(context, events, type, data) {
  const ws = context.ws;
  const id = (context.vars.nextId = (context.vars.nextId || 0) + 1);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const onMessage = (raw) => {
      const frame = JSON.parse(String(raw));
      if (frame.type !== 'reply' || frame.id !== id) return;
      ws.off('message', onMessage);
      events.emit('histogram', `lawline.${type}`, performance.now() - started);
      if (frame.ok) resolve(frame.data);
      else reject(new Error(`${type}: ${frame.error.code} ${frame.error.message}`));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type, id, data }));
  });
}

/** Pushes are acknowledged now and then, as the SDK does, so the node can let go of them. */
function acknowledgePushes(context) {
  let unacked = 0;
  context.ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw));
    if (frame.type !== 'push' || ++unacked < 16) return;
    unacked = 0;
    context.ws.send(JSON.stringify({ type: 'ack', seq: frame.seq }));
  });
}

async function citizenHello(context, events) {
  acknowledgePushes(context);
  await call(context, events, 'hello', { token: context.vars.citizenToken });
}

async function lawyerHello(context, events) {
  acknowledgePushes(context);
  await call(context, events, 'hello', { token: context.vars.lawyerToken });
}

/** A citizen looks up who is on duty, then leaves a message consultation (nobody needs to be on duty for it). */
async function leaveMessage(context, events) {
  const category = CATEGORIES[Math.floor(Math.random() * CATEGORIES.length)];
  await call(context, events, 'directory.list', { category });
  const { consultation } = await call(context, events, 'consult.request', { category, region: '320200', channel: 'message', firstMessage: '公司拖欠工资三个月，怎么办？' });
  context.vars.consultationId = consultation.id;
  context.vars.sent = 0;
}

async function writeMore(context, events) {
  const n = (context.vars.sent = context.vars.sent + 1);
  await call(context, events, 'chat.send', { consultationId: context.vars.consultationId, clientMsgId: `${context.vars.consultationId}-${n}`, body: `补充情况 ${n}：有劳动合同和工资条。` });
}

async function readHistory(context, events) {
  await call(context, events, 'consult.history', { consultationId: context.vars.consultationId, limit: 50 });
}

async function dutyOn(context, events) {
  await call(context, events, 'duty.on', { capacity: 3 });
}

async function dutyOff(context, events) {
  await call(context, events, 'duty.off', {});
}

module.exports = { citizenHello, lawyerHello, leaveMessage, writeMore, readHistory, dutyOn, dutyOff };
