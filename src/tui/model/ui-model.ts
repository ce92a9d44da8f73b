import { Store } from './store.js';

export type ViewName = 'details' | 'doctor' | 'perf' | 'capture' | 'dns';
/** a text box that has the keyboard: while one is open, keys type into it */
export type EditingField = 'filter' | 'port' | null;

export interface UiState {
  view: ViewName;
  help: boolean;
  editing: EditingField;
  /** the text of the open box (the port box; the filter box lives in the capture model) */
  text: string;
  /** a one-line note for the footer (e.g. why a key did nothing) */
  note: string | null;
  /** the right pane takes the whole width (long capture lines) */
  zoom: boolean;
  /** lines of the doctor's report scrolled past */
  reportScroll: number;
  /** lines of the perf view scrolled past (null: follow the test being measured) */
  perfScroll: number | null;
}

export function createUiStore(): Store<UiState> {
  return new Store<UiState>({ view: 'details', help: false, editing: null, text: '', note: null, zoom: false, reportScroll: 0, perfScroll: null });
}
