export { LawlineClient } from './client.ts';
export type { ClientEvents, ClientOptions, ConnectionState, ConsultationRequest, HelloReply } from './options.ts';
export { LawlineError } from './errors.ts';
export type { PendingChat } from './chat-sender.ts';
export { OUTBOX_MAX, type ChatAck } from './outbox.ts';
export { MemoryStore, WebStorageStore, type ClientStore, type WebStorageLike } from './store.ts';
export type { WebSocketConstructor, WebSocketLike } from './socket.ts';
export { LawlineCall, type CallDevices, type CallEvents } from './call.ts';
