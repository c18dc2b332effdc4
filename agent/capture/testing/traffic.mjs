// Child process that makes real socket traffic for the capture tests (run by plain node, so it
// starts fast and is traced as an ordinary process). Modes:
//   tcp <requestBytes> <responseBytes> [host]  net server + client exchange (default host
//                                        127.0.0.1), after "go" on stdin
//   http-server                          node http server on 127.0.0.1:0
//   https-server <cert> <key>            node https server on 127.0.0.1:0
//   https-get <port> <path>              node https client request, prints the body
//   udp                                  dgram request/reply on unconnected sockets, after "go"
//   burst <writes> <bytes>               one connection, <writes> separate writes, after "go"
//   dns-server                           answers every DNS query on 127.0.0.1:53 with NXDOMAIN
//   handoff                              net server handing each accepted socket to a child
//                                        (fd 3) and closing its own copy; a client sends PING
//                                        after "go", the child answers PONG
//   spawn <mode> [args...]               starts this script in <mode> as a child process sharing
//                                        stdin/stdout, after printing {childPid} (fork following)
// Prints one JSON line with what the test needs (ports), then the result line(s).
import net from 'node:net';
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { say, waitForGo } from './peer-io.mjs';

const [mode, a, b, c] = process.argv.slice(2);

async function tcpExchange(reqBytes, respBytes, host = '127.0.0.1') {
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
  server.listen(0, host);
  await once(server, 'listening');
  await waitForGo();
  const client = net.connect(server.address().port, host);
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

async function burst(writes, bytes) {
  let got = 0;
  const server = net.createServer((s) => s.on('data', (d) => { got += d.length; }).on('end', () => s.end()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await waitForGo();
  const client = net.connect(server.address().port, '127.0.0.1');
  await once(client, 'connect');
  const chunk = Buffer.alloc(bytes, 'z');
  for (let i = 0; i < writes; i++) client.write(chunk); // each write() is its own syscall here
  client.end();
  await once(client, 'close');
  server.close();
  say({ sent: writes * bytes, received: got });
}

async function udpExchange() {
  const server = dgram.createSocket('udp4');
  server.on('message', (msg, peer) => server.send(Buffer.concat([Buffer.from('ANSWER:'), msg]), peer.port, peer.address));
  server.bind(0, '127.0.0.1');
  await once(server, 'listening');
  const client = dgram.createSocket('udp4');
  client.bind(0, '127.0.0.1');
  await once(client, 'listening');
  await waitForGo();
  client.send('QUERY:metaflow', server.address().port, '127.0.0.1');
  const [reply] = await once(client, 'message');
  say({ serverPort: server.address().port, clientPort: client.address().port, reply: reply.toString() });
  client.close();
  server.close();
}

function dnsServer() {
  const server = dgram.createSocket('udp4');
  server.on('message', (query, peer) => {
    const answer = Buffer.from(query);
    answer[2] |= 0x80; // QR: a response
    answer[3] = 0x83;  // RA, RCODE 3 (NXDOMAIN)
    server.send(answer, peer.port, peer.address);
  });
  server.bind(53, '127.0.0.1', () => say({ port: 53 }));
}

async function handoff() {
  // pauseOnConnect: the parent never reads, so the request reaches the child untouched
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'answer'], { stdio: ['ignore', 'ignore', 'inherit', socket] });
    say({ childPid: child.pid });
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await waitForGo();
  const client = net.connect(server.address().port, '127.0.0.1');
  await once(client, 'connect');
  const ports = { serverPort: server.address().port, clientPort: client.localPort };
  client.end('PING');
  let reply = '';
  client.on('data', (d) => { reply += d; });
  await once(client, 'close');
  server.close();
  say({ ...ports, reply });
}

function answer() {
  const s = new net.Socket({ fd: 3, readable: true, writable: true });
  s.once('data', () => s.end('PONG'));
}

function serve(server) {
  server.listen(0, '127.0.0.1', () => say({ port: server.address().port }));
}

const handler = (req, res) => {
  req.resume();
  req.on('end', () => res.end(`hello ${req.url}`));
};

if (mode === 'tcp') await tcpExchange(Number(a), Number(b), c);
else if (mode === 'udp') await udpExchange();
else if (mode === 'burst') await burst(Number(a), Number(b));
else if (mode === 'dns-server') dnsServer();
else if (mode === 'handoff') await handoff();
else if (mode === 'answer') answer();
else if (mode === 'spawn') {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(3)], { stdio: 'inherit' });
  say({ childPid: child.pid });
  const [code] = await once(child, 'exit');
  process.exitCode = code ?? 1;
}
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
