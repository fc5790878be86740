/**
 * MessageService for library users: `tt send` and `tt inbox` over a library Town, through the
 * service layer (src/service/messages.ts). Reading an inbox here consumes nothing.
 */
import * as messages from "../../service/messages.ts";
import type { InboxView, SentMessage } from "../../service/messages.ts";
import type { SendKind } from "../../service/message_send.ts";
import { contextOf } from "../context.ts";
import type { Town } from "../town.ts";

export type { InboxView, SentMessage };

/** `tt send`: text to an agent or the conductor, with a `message_sent` event. */
export function send(
  town: Town,
  to: string,
  text: string,
  options: { kind?: SendKind; urgent?: boolean; from?: string } = {},
): Promise<SentMessage> {
  return messages.send(contextOf(town), to, text, options);
}

/** `tt inbox <ref>`: the waiting messages of an agent or the conductor, not consumed. */
export function inbox(town: Town, ref: string): Promise<InboxView> {
  return messages.inbox(contextOf(town), ref);
}
