// Push-to-talk: record the microphone at 16 kHz with Web Audio while the button (or space) is held,
// stream 16-bit PCM over the /v1/stream WebSocket; an online model's partial results show the text growing
// while the button is held (in grey), then the final transcript, its words' timings and the latency.
"use strict";

const SAMPLE_RATE = 16000;
const talk = document.getElementById("talk");
const statusLine = document.getElementById("status");
const transcript = document.getElementById("transcript");
const latency = document.getElementById("latency");
const words = document.getElementById("words");

let audio = null;       // {context, source, processor} once the microphone is open
let session = null;     // the utterance being recorded: {socket, ready, queued, releasedAt}
let held = false;       // the button or space bar is down

async function openMicrophone() {
  const stream = await navigator.mediaDevices.getUserMedia(
    {audio: {channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  let context = new AudioContext({sampleRate: SAMPLE_RATE});
  let source;
  try {
    source = context.createMediaStreamSource(stream);
  } catch (err) {  // browsers that cannot resample the microphone: send its own rate, the server resamples
    context.close();
    context = new AudioContext();
    source = context.createMediaStreamSource(stream);
  }
  const processor = context.createScriptProcessor(4096, 1, 1);
  const mute = context.createGain();
  mute.gain.value = 0;
  processor.onaudioprocess = (event) => {
    if (session && session.releasedAt === null) send(toPcm16(event.inputBuffer.getChannelData(0)));
  };
  source.connect(processor);
  processor.connect(mute);
  mute.connect(context.destination);
  return {context, source, processor};
}

function toPcm16(floats) {
  const pcm = new Int16Array(floats.length);
  for (let i = 0; i < floats.length; i++) {
    const s = Math.max(-1, Math.min(1, floats[i]));
    pcm[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
  }
  return pcm.buffer;
}

function send(chunk) {
  if (session.ready) session.socket.send(chunk);
  else session.queued.push(chunk);
}

async function start() {
  held = true;
  if (session) return;
  try {
    audio = audio || await openMicrophone();
  } catch (err) {
    statusLine.textContent = "Cannot open the microphone: " + err.message;
    return;
  }
  await audio.context.resume();
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/stream";
  const current = {socket: new WebSocket(url), ready: false, queued: [], releasedAt: null};
  session = current;
  current.socket.binaryType = "arraybuffer";
  current.socket.onopen = () => {
    current.socket.send(JSON.stringify({signal: "start", sample_rate: audio.context.sampleRate}));
  };
  current.socket.onmessage = (event) => onMessage(current, JSON.parse(event.data));
  current.socket.onerror = () => { statusLine.textContent = "Connection to the server failed."; };
  current.socket.onclose = () => { if (session === current) session = null; };
  talk.classList.add("recording");
  transcript.textContent = words.textContent = latency.textContent = "";
  statusLine.textContent = "Listening ...";
  if (!held) stop();  // released while the microphone was opening
}

function onMessage(current, message) {
  if (message.signal === "server_ready") {
    current.ready = true;
    current.queued.forEach((chunk) => current.socket.send(chunk));
    current.queued = [];
    if (current.releasedAt !== null) current.socket.send(JSON.stringify({signal: "end"}));
  } else if (message.signal === "partial") {
    transcript.textContent = message.result;
    transcript.classList.add("partial");
  } else if (message.signal === "finished") {
    const roundTrip = performance.now() - current.releasedAt;
    transcript.textContent = message.result;
    transcript.classList.remove("partial");
    words.textContent = message.words.map((w) =>
      `${w.word} ${w.start.toFixed(2)}-${w.end.toFixed(2)} s (${Math.round(100 * w.confidence)}%)`).join(" · ");
    latency.textContent = `${message.duration.toFixed(2)} s of audio; ${roundTrip.toFixed(0)} ms from release ` +
      `to transcript (server: ${message.latency_ms.toFixed(0)} ms)`;
    statusLine.textContent = "Ready.";
    current.socket.close();
  } else if (message.signal === "error") {
    statusLine.textContent = "Server error: " + message.message;
  }
}

function stop() {
  held = false;
  if (!session || session.releasedAt !== null) return;
  session.releasedAt = performance.now();
  talk.classList.remove("recording");
  statusLine.textContent = "Recognising ...";
  if (session.ready) session.socket.send(JSON.stringify({signal: "end"}));
}

talk.addEventListener("pointerdown", (event) => { event.preventDefault(); start(); });
talk.addEventListener("pointerup", stop);
talk.addEventListener("pointerleave", stop);
document.addEventListener("keydown", (event) => {
  if (event.code === "Space" && !event.repeat) { event.preventDefault(); start(); }
});
document.addEventListener("keyup", (event) => {
  if (event.code === "Space") { event.preventDefault(); stop(); }
});
