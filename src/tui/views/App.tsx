import { Box, Text, useApp, useInput } from 'ink';
import { handleKey, type KeyContext } from '../keys.js';
import type { TuiModel } from '../model/tui-model.js';
import type { ViewName } from '../model/ui-model.js';
import { CaptureView } from './CaptureView.js';
import { DetailsView } from './DetailsView.js';
import { DnsView } from './DnsView.js';
import { DoctorView } from './DoctorView.js';
import { Footer } from './Footer.js';
import { HelpView } from './HelpView.js';
import { PerfView } from './PerfView.js';
import { TreePane } from './TreePane.js';
import { useStore } from './use-store.js';
import { useTerminalSize } from './use-terminal-size.js';

const TABS: { view: ViewName; key: string }[] = [
  { view: 'details', key: 'i' },
  { view: 'doctor', key: 'd' },
  { view: 'perf', key: 'm' },
  { view: 'capture', key: 'c' },
  { view: 'dns', key: 'n' },
];

export interface AppProps {
  model: TuiModel;
  /** where `w` writes a capture (default: tsdiag-<time>.pcap in the working directory) */
  captureFile?: () => string;
  /** called before Ink exits on q */
  onQuit?: () => void;
}

const defaultCaptureFile = () => `tsdiag-${new Date().toISOString().replace(/[:.]/g, '-')}.pcap`;

/** The whole screen: the tree left, the selected item's views right, the keys below. */
export function App({ model, captureFile = defaultCaptureFile, onQuit }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const ui = useStore(model.ui);
  const mainHeight = Math.max(5, rows - 1);
  const treeWidth = ui.zoom ? 0 : Math.max(22, Math.min(40, Math.floor(columns * 0.38)));
  const rightWidth = Math.max(20, columns - treeWidth);
  const innerWidth = rightWidth - 2;
  const innerHeight = mainHeight - 3; // border and the tab line
  const ctx: KeyContext = {
    quit: () => {
      onQuit?.();
      exit();
    },
    page: Math.max(1, innerHeight - 3),
    captureFile,
  };
  useInput((input, key) => handleKey(model, input, key, ctx));
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Box height={mainHeight}>
        {!ui.zoom && <TreePane inventory={model.inventory} width={treeWidth} height={mainHeight} />}
        <Box flexDirection="column" width={rightWidth} height={mainHeight} borderStyle="single" borderColor="gray" overflow="hidden">
          <Text wrap="truncate-end">
            {TABS.map((t) => (
              <Text key={t.view} inverse={ui.view === t.view} bold={ui.view === t.view}> {t.key}:{t.view} </Text>
            ))}
          </Text>
          {ui.help ? <HelpView /> : <CurrentView model={model} view={ui.view} width={innerWidth} height={innerHeight} />}
        </Box>
      </Box>
      <Footer ui={ui} width={columns} />
    </Box>
  );
}

function CurrentView({ model, view, width, height }: { model: TuiModel; view: ViewName; width: number; height: number }) {
  switch (view) {
    case 'details':
      return <DetailsView inventory={model.inventory} />;
    case 'doctor':
      return <DoctorView doctor={model.doctor} ui={model.ui} width={width} height={height} />;
    case 'perf':
      return <PerfView perf={model.perf} ui={model.ui} width={width} height={height} />;
    case 'capture':
      return <CaptureView capture={model.capture} ui={model.ui} width={width} height={height} />;
    case 'dns':
      return <DnsView dns={model.dns} width={width} height={height} />;
  }
}
