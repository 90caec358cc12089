// The fleet table's data: pages of rows fetched as the user scrolls, for one filter.
import { api } from "./api";
import type { FleetFilter, FleetRowView } from "./bindings";
import { notices } from "./notices.svelte";

export const PAGE_SIZE = 200;

export type SortKey = "worst" | "id" | "name" | "substation" | "date";

export class FleetData {
  search = $state("");
  /** IEEE status 1–3, 0 for the transformers not diagnosed yet, null for all. */
  status = $state<number | null>(null);
  fault = $state<string | null>(null);
  sort = $state<SortKey>("worst");
  /** The sort reversed (best first, Z to A, oldest first). */
  reverse = $state(false);
  /** The import whose transformers are shown; null with `wholeCache` for everything. */
  batchId = $state<number | null>(null);
  wholeCache = $state(false);

  total = $state(0);
  counts = $state<[number, number, number, number, number]>([0, 0, 0, 0, 0]);
  loaded = $state(false);
  loading = $state(false);
  /** Bumped whenever a page lands, so the visible rows re-derive once per page. */
  version = $state(0);
  /** Bumped when the filter changes, so the table scrolls back to the top. */
  resetToken = $state(0);

  #pages = new Map<number, FleetRowView[]>();
  #pending = new Set<number>();
  #generation = 0;

  /** The filter as the commands take it (`offset`/`limit` for one page). */
  filter(offset = 0, limit = PAGE_SIZE): FleetFilter {
    const search = this.search.trim();
    return {
      batch_id: this.wholeCache ? null : this.batchId,
      search: search === "" ? null : search,
      substation: null,
      status: this.status,
      fault: this.fault,
      sort: this.sort,
      reverse: this.reverse,
      offset,
      limit,
    };
  }

  row(index: number): FleetRowView | undefined {
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Starts over for a new filter: drops every page and loads the first. */
  reset() {
    this.#generation++;
    this.#pages.clear();
    this.#pending.clear();
    this.loaded = false;
    this.version++;
    this.resetToken++;
    void this.#fetch(0, this.#generation);
  }

  /** Makes sure the pages covering rows first..last are loaded or on their way. */
  ensure(first: number, last: number) {
    if (!this.loaded) return;
    const max = Math.max(0, this.total - 1);
    const from = Math.floor(Math.max(0, first) / PAGE_SIZE);
    const to = Math.floor(Math.min(max, Math.max(0, last)) / PAGE_SIZE);
    for (let page = from; page <= to; page++) {
      if (!this.#pages.has(page) && !this.#pending.has(page)) void this.#fetch(page, this.#generation);
    }
  }

  /** Re-reads the pages held (after a run), keeping the old rows on screen until they land. */
  refresh() {
    this.#generation++;
    const held = [...this.#pages.keys()];
    this.#pending.clear();
    if (held.length === 0) held.push(0);
    for (const page of held) void this.#fetch(page, this.#generation);
  }

  async #fetch(page: number, generation: number) {
    this.#pending.add(page);
    this.loading = true;
    try {
      const result = await api.fleet(this.filter(page * PAGE_SIZE, PAGE_SIZE));
      if (generation !== this.#generation) return;
      this.#pages.set(page, result.rows);
      this.total = result.total;
      this.counts = result.status_counts;
      this.loaded = true;
      this.version++;
    } catch (error) {
      if (generation === this.#generation) notices.error(error);
    } finally {
      this.#pending.delete(page);
      if (this.#pending.size === 0) this.loading = false;
    }
  }
}

export const fleet = new FleetData();
