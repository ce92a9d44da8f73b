import type { TuiModel } from './model/tui-model.js';
import type { ContainerRef } from './model/doctor-model.js';
import type { ViewName } from './model/ui-model.js';

/** The parts of Ink's Key the TUI reads (tests pass plain objects). */
export interface KeyPress {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
  tab?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

export interface KeyHelp {
  keys: string;
  what: string;
}

const GLOBAL_HELP: KeyHelp[] = [
  { keys: '↑↓ j k', what: 'select in the tree' },
  { keys: 'i d m c n', what: 'details, doctor, perf, capture, dns' },
  { keys: 'tab', what: 'next view' },
  { keys: 'z', what: 'zoom: hide the tree' },
  { keys: '?', what: 'help' },
  { keys: 'q', what: 'quit' },
];

/** the doctor and perf pick their pair alike */
const PAIR_HELP: KeyHelp[] = [
  { keys: 'f', what: 'source = selected' },
  { keys: 't', what: 'target = selected' },
];

export const VIEW_HELP: Record<ViewName, KeyHelp[]> = {
  details: [],
  doctor: [
    ...PAIR_HELP,
    { keys: 'p', what: 'port' },
    { keys: 'r ⏎', what: 'run' },
    { keys: 'PgUp/PgDn', what: 'scroll report' },
  ],
  perf: [
    ...PAIR_HELP,
    { keys: 'r ⏎', what: 'run' },
    { keys: 'esc ^C', what: 'stop' },
    { keys: 'PgUp/PgDn', what: 'scroll' },
  ],
  capture: [
    { keys: 's ⏎', what: 'start/stop on selected' },
    { keys: '/', what: 'filter' },
    { keys: 'space', what: 'pause' },
    { keys: 'x', what: 'clear' },
    { keys: 'w', what: 'write pcap' },
    { keys: 'PgUp/PgDn', what: 'scroll (paused)' },
  ],
  dns: [
    { keys: 'space', what: 'pause' },
    { keys: 'e', what: 'failures only' },
    { keys: 'x', what: 'clear' },
  ],
};

export function helpFor(view: ViewName): { view: KeyHelp[]; global: KeyHelp[] } {
  return { view: VIEW_HELP[view], global: GLOBAL_HELP };
}

const VIEW_KEYS: Record<string, ViewName> = { i: 'details', d: 'doctor', m: 'perf', c: 'capture', n: 'dns' };
const VIEW_ORDER: ViewName[] = ['details', 'doctor', 'perf', 'capture', 'dns'];

export interface KeyContext {
  quit: () => void;
  /** lines the scrolling views move by on PgUp/PgDn */
  page: number;
  /** where `w` writes the capture */
  captureFile: () => string;
}

/**
 * Turns one key press into model calls. Order: an open text box takes every
 * key; then the help overlay; then the global keys; then the current view's.
 */
export function handleKey(model: TuiModel, input: string, key: KeyPress, ctx: KeyContext): void {
  const ui = model.ui.get();
  if (ui.editing) return editKey(model, input, key);
  // Ctrl-C stops a perf run first (as it stops `tsdiag perf`); with none going it quits
  if (key.ctrl && input === 'c') return model.perf.busy ? void model.perf.stop() : ctx.quit();
  if (ui.help) {
    if (input === 'q') return ctx.quit();
    model.ui.set({ help: false });
    return;
  }
  if (ui.note) model.ui.set({ note: null });
  if (input === 'q') return ctx.quit();
  if (input === '?') return model.ui.set({ help: true });
  if (key.upArrow || input === 'k') return model.inventory.move(-1);
  if (key.downArrow || input === 'j') return model.inventory.move(1);
  if (input === 'z') return model.ui.set({ zoom: !ui.zoom });
  if (key.tab) return model.ui.set({ view: VIEW_ORDER[(VIEW_ORDER.indexOf(ui.view) + 1) % VIEW_ORDER.length]! });
  const view = VIEW_KEYS[input];
  if (view) return model.ui.set({ view });
  if (ui.view === 'doctor') doctorKey(model, input, key, ctx);
  else if (ui.view === 'perf') perfKey(model, input, key, ctx);
  else if (ui.view === 'capture') captureKey(model, input, key, ctx);
  else if (ui.view === 'dns') dnsKey(model, input);
}

function note(model: TuiModel, text: string): void {
  model.ui.set({ note: text });
}

/** f and t: the selected container becomes the pair's source or target (the doctor's and perf's). */
function pickEnd(model: TuiModel, input: string, pair: { setFrom(r: ContainerRef): void; setTo(r: ContainerRef): void }): boolean {
  if (input !== 'f' && input !== 't') return false;
  const row = model.inventory.selected();
  if (row?.kind !== 'container') {
    note(model, 'select a container in the tree first');
    return true;
  }
  const ref = { backend: row.backend, name: row.container.name };
  if (input === 'f') pair.setFrom(ref);
  else pair.setTo(ref);
  return true;
}

function doctorKey(model: TuiModel, input: string, key: KeyPress, ctx: KeyContext): void {
  if (pickEnd(model, input, model.doctor)) return;
  if (input === 'p') {
    const port = model.doctor.store.get().port;
    return model.ui.set({ editing: 'port', text: port === null ? '' : String(port) });
  }
  if (input === 'r' || key.return) {
    const blocked = model.doctor.blocker();
    if (blocked) return note(model, blocked);
    model.ui.set({ reportScroll: 0 });
    void model.doctor.run();
    return;
  }
  if (key.pageUp || key.pageDown) model.ui.set((s) => ({ reportScroll: Math.max(0, s.reportScroll + (key.pageUp ? -ctx.page : ctx.page)) }));
}

function perfKey(model: TuiModel, input: string, key: KeyPress, ctx: KeyContext): void {
  if (pickEnd(model, input, model.perf)) return;
  if (input === 'r' || key.return) {
    const blocked = model.perf.blocker();
    if (blocked) return note(model, blocked);
    model.ui.set({ perfScroll: null });
    void model.perf.run();
    return;
  }
  if (key.escape) {
    void model.perf.stop();
    return;
  }
  if (key.pageUp || key.pageDown) model.ui.set((s) => ({ perfScroll: Math.max(0, (s.perfScroll ?? 0) + (key.pageUp ? -ctx.page : ctx.page)) }));
}

function captureKey(model: TuiModel, input: string, key: KeyPress, ctx: KeyContext): void {
  const capture = model.capture;
  const state = capture.store.get();
  if (input === 's' || key.return) {
    if (state.phase !== 'stopped') {
      void capture.stop();
      return;
    }
    const target = model.captureTargetOfSelection();
    if (typeof target === 'string') return note(model, target);
    void capture.start(target);
    return;
  }
  if (input === '/') {
    capture.editFilter(state.filter);
    return model.ui.set({ editing: 'filter' });
  }
  if (input === ' ') return capture.togglePause();
  if (input === 'x') return capture.clear();
  if (input === 'w') return capture.write(ctx.captureFile());
  if (key.pageUp) return capture.scroll(ctx.page);
  if (key.pageDown) return capture.scroll(-ctx.page);
}

function dnsKey(model: TuiModel, input: string): void {
  if (input === ' ') model.dns.togglePause();
  else if (input === 'e') model.dns.toggleFailuresOnly();
  else if (input === 'x') model.dns.clear();
}

/** A text box has the keyboard: type, erase, Enter applies, Esc cancels. */
function editKey(model: TuiModel, input: string, key: KeyPress): void {
  const ui = model.ui.get();
  const isFilter = ui.editing === 'filter';
  const text = isFilter ? model.capture.store.get().draft : ui.text;
  let next = text;
  if (key.escape) {
    if (isFilter) model.capture.cancelFilter();
    return model.ui.set({ editing: null });
  }
  if (key.return) {
    if (isFilter) {
      void model.capture.applyFilter().then((ok) => ok && model.ui.set({ editing: null }));
      return;
    }
    return applyPort(model, text);
  }
  if (!key.ctrl && !key.meta && !key.upArrow && !key.downArrow && !key.tab) next = typed(text, input, key);
  if (next === text) return;
  if (isFilter) model.capture.editFilter(next);
  else model.ui.set({ text: next });
}

const ERASE = new Set(['\x7f', '\b']);

/** The box's text after a key: keys typed fast or pasted arrive as one string, erase characters included. */
function typed(text: string, input: string, key: KeyPress): string {
  if ((key.backspace || key.delete) && !input) return text.slice(0, -1);
  let out = text;
  for (const ch of input) {
    if (ERASE.has(ch)) out = out.slice(0, -1);
    else if (ch >= ' ') out += ch;
  }
  return out;
}

function applyPort(model: TuiModel, text: string): void {
  const t = text.trim();
  if (t === '') {
    model.doctor.setPort(null);
    return model.ui.set({ editing: null });
  }
  const port = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!(port >= 1 && port <= 65535)) return model.ui.set({ note: `invalid port "${t}": 1-65535, or empty for the default` });
  model.doctor.setPort(port);
  model.ui.set({ editing: null, note: null });
}
