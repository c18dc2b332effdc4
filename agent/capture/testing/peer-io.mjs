// How the test peers (traffic.mjs, http2-peers.mjs) talk to the test that runs them: JSON
// lines on stdout, and a "go" line on stdin once the capture is ready for their traffic.

export const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');

export async function waitForGo() {
  process.stdin.setEncoding('utf8');
  let buf = '';
  for await (const chunk of process.stdin) {
    buf += chunk;
    if (buf.includes('go\n')) return;
  }
}
