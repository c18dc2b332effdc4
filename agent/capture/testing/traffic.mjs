// Child process that makes real socket traffic for the capture tests (run by plain node, so it
// starts fast and is traced as an ordinary process). Modes:
//   tcp <requestBytes> <responseBytes>   net server + client exchange, after "go" on stdin
//   http-server                          node http server on 127.0.0.1:0
//   https-server <cert> <key>            node https server on 127.0.0.1:0
//   https-get <port> <path>              node https client request, prints the body
// Prints one JSON line with what the test needs (ports), then the result line(s).
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';

const [mode, a, b] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');

async function waitForGo() {
  process.stdin.setEncoding('utf8');
  let buf = '';
  for await (const chunk of process.stdin) {
    buf += chunk;
    if (buf.includes('go\n')) return;
  }
}

async function tcpExchange(reqBytes, respBytes) {
  const request = Buffer.alloc(reqBytes, 'a');
  request.write('PING');
  const response = Buffer.alloc(respBytes, 'b');
  response.write('PONG');
  const server = net.createServer((s) => {
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
      if (got === reqBytes) s.end(response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await waitForGo();
  const client = net.connect(server.address().port, '127.0.0.1');
  await once(client, 'connect');
  const ports = { serverPort: server.address().port, clientPort: client.localPort };
  client.write(request);
  let got = 0;
  client.on('data', (d) => { got += d.length; });
  await once(client, 'end');
  client.end();
  await once(client, 'close');
  server.close();
  say({ ...ports, received: got });
}

function serve(server) {
  server.listen(0, '127.0.0.1', () => say({ port: server.address().port }));
}

const handler = (req, res) => {
  req.resume();
  req.on('end', () => res.end(`hello ${req.url}`));
};

if (mode === 'tcp') await tcpExchange(Number(a), Number(b));
else if (mode === 'http-server') serve(http.createServer(handler));
else if (mode === 'https-server') serve(https.createServer({ cert: readFileSync(a), key: readFileSync(b) }, handler));
else if (mode === 'https-get') {
  https.get({ host: '127.0.0.1', port: Number(a), path: b, rejectUnauthorized: false, agent: false }, (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => say({ body }));
  });
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
