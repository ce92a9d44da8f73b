/**
 * The lab's `db` service: a TCP server that greets every connection and never
 * dies of a client's reset (the doctor's probes close connections abruptly).
 */
export function serviceCommand(port: number, bind = '0.0.0.0'): string[] {
  const js = `const net=require('net');net.createServer(s=>{s.on('error',()=>{});s.end('db ready\\n')}).on('error',e=>{console.error(e.message);process.exit(1)}).listen(${port},${JSON.stringify(bind)})`;
  return [process.execPath, '-e', js];
}
