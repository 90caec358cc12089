// Errors and confirmations shown in the banner at the top of the window.
import type { ErrorView } from "./bindings";
import { isErrorView } from "./api";

export type Notice =
  | { id: number; kind: "error"; error: ErrorView }
  | { id: number; kind: "info"; text: string };

let nextId = 1;

/** Any thrown value as an `ErrorView`; never a stack trace. */
export function toErrorView(value: unknown): ErrorView {
  if (isErrorView(value)) {
    return { code: String(value.code), message: String(value.message), message_ko: value.message_ko ?? null };
  }
  if (value instanceof Error) {
    return { code: "ui." + (value.name || "error").toLowerCase(), message: value.message.split("\n")[0], message_ko: null };
  }
  if (typeof value === "string") return { code: "ui.error", message: value.split("\n")[0], message_ko: null };
  return { code: "ui.unknown", message: "", message_ko: null };
}

class Notices {
  list = $state<Notice[]>([]);

  error(value: unknown): ErrorView {
    const error = toErrorView(value);
    // The same error twice in a row is shown once.
    const last = this.list[this.list.length - 1];
    if (last && last.kind === "error" && last.error.code === error.code && last.error.message === error.message) return error;
    this.list = [...this.list.slice(-3), { id: nextId++, kind: "error", error }];
    return error;
  }

  info(text: string, ttlMs = 6000) {
    const id = nextId++;
    this.list = [...this.list.slice(-3), { id, kind: "info", text }];
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
