import { Store } from './store.js';

export type ViewName = 'details' | 'doctor' | 'capture' | 'dns';
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
}

export function createUiStore(): Store<UiState> {
  return new Store<UiState>({ view: 'details', help: false, editing: null, text: '', note: null, zoom: false, reportScroll: 0 });
}
