// Errors and confirmations shown in the banner at the top of the window.
import { isErrorView } from "./api";
import { isShownCode, type ShownError } from "./errors";
import type { MessageKey } from "./messages";

export type Notice =
  | { id: number; kind: "error"; error: ShownError }
  | { id: number; kind: "info"; key: MessageKey; params?: Record<string, string | number> };

let nextId = 1;

/** Any thrown value as an error the banner shows; never a stack trace. A code this build has
 *  no text for (a newer back end?) is shown as unexpected, with its code kept in the detail. */
export function toErrorView(value: unknown): ShownError {
  if (isErrorView(value)) {
    const message = String(value.message);
    const message_ko = value.message_ko ?? null;
    if (isShownCode(value.code)) return { code: value.code, message, message_ko };
    return { code: "ui.unexpected", message: `${String(value.code)}: ${message}`, message_ko: null };
  }
  if (value instanceof Error) return { code: "ui.unexpected", message: value.message.split("\n")[0], message_ko: null };
  if (typeof value === "string") return { code: "ui.unexpected", message: value.split("\n")[0], message_ko: null };
  return { code: "ui.unexpected", message: "", message_ko: null };
}

class Notices {
  list = $state<Notice[]>([]);

  error(value: unknown): ShownError {
    const error = toErrorView(value);
    // The same error twice in a row is shown once.
    const last = this.list[this.list.length - 1];
    if (last && last.kind === "error" && last.error.code === error.code && last.error.message === error.message) return error;
    this.list = [...this.list.slice(-3), { id: nextId++, kind: "error", error }];
    return error;
  }

  /** A confirmation, kept as its message key so that it reads in the language shown. */
  info(key: MessageKey, params?: Record<string, string | number>, ttlMs = 6000) {
    const id = nextId++;
    // The same confirmation again replaces the one shown (and restarts its time).
    const same = (n: Notice) => n.kind === "info" && n.key === key && JSON.stringify(n.params ?? {}) === JSON.stringify(params ?? {});
    const kept = this.list.filter((n) => !same(n));
    this.list = [...kept.slice(-3), { id, kind: "info", key, params }];
    if (ttlMs > 0) setTimeout(() => this.dismiss(id), ttlMs);
  }

  dismiss(id: number) {
    this.list = this.list.filter((n) => n.id !== id);
  }

  clear() {
    this.list = [];
  }
}

export const notices = new Notices();
