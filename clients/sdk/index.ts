export { LawlineClient, type ClientOptions, type ConnectionState, type ConsultationRequest, type HelloReply } from './client.ts';
export { LawlineError } from './errors.ts';
export type { ChatAck } from './outbox.ts';
export type { WebSocketConstructor, WebSocketLike } from './socket.ts';
