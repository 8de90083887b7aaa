"""DS2's raw TCP protocol: one utterance per connection.

The client sends a 4-byte big-endian signed length, then that many bytes of raw 16 kHz mono
little-endian PCM (16-bit samples, or 32-bit for DS2's original client: ``--sample_width 4``).
The server answers with the UTF-8 transcript and closes the connection. A request it cannot
serve (bad length, early close, stall, not audio) gets the connection closed and a logged reason.
"""
from __future__ import annotations

import asyncio
import logging
import struct

from data_utils.audio import AudioSegment
from deploy.service import RecognitionService, RequestError

SAMPLE_RATE = 16000
HEADER = struct.Struct(">i")
CHUNK_BYTES = 1 << 16

logger = logging.getLogger("demo_server")


def frame(pcm: bytes) -> bytes:
    """A request on the wire: the length prefix, then the PCM bytes."""
    return HEADER.pack(len(pcm)) + pcm


async def read_exactly(reader: asyncio.StreamReader, size: int, timeout: float) -> bytes:
    """``size`` bytes; TimeoutError if the client sends nothing for ``timeout`` seconds at any point."""
    chunks, remaining = [], size
    while remaining:
        chunk = await asyncio.wait_for(reader.read(min(remaining, CHUNK_BYTES)), timeout)
        if not chunk:
            raise asyncio.IncompleteReadError(b"".join(chunks), size)
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class TcpProtocol:
    """Serves DS2's protocol with a RecognitionService (``handle`` is an asyncio.start_server callback)."""

    def __init__(self, service: RecognitionService, sample_width: int = 2, read_timeout: float = 10.0):
        if sample_width not in (2, 4):
            raise ValueError(f"--sample_width must be 2 or 4 bytes, got {sample_width}")
        self.service = service
        self.sample_width = sample_width
        self.read_timeout = read_timeout
        self.max_bytes = int(service.max_audio_seconds * SAMPLE_RATE) * sample_width

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("peername") or ("?", 0)  # None if the client already reset
        peer = f"{address[0]}:{address[1]}"
        try:
            await self._serve(reader, writer, peer)
        except RequestError:
            pass  # the service logged why
        except (asyncio.IncompleteReadError, ConnectionError) as err:
            logger.info("tcp %s closed: the client hung up mid-request (%s)", peer, type(err).__name__)
        except TimeoutError:
            logger.info("tcp %s closed: nothing received for %g s", peer, self.read_timeout)
        except Exception:  # a bug must cost one connection, not the server
            logger.exception("tcp %s closed: internal error", peer)
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str) -> None:
        try:
            pcm = await self._read_request(reader)
        except RequestError as err:
            logger.info("tcp %s closed: %s", peer, err)
            return
        result = await self.service.recognize(
            lambda: AudioSegment.from_pcm(pcm, SAMPLE_RATE, self.sample_width), "tcp", peer)
        writer.write(result.text.encode("utf-8"))
        await asyncio.wait_for(writer.drain(), self.read_timeout)

    async def _read_request(self, reader: asyncio.StreamReader) -> bytes:
        (length,) = HEADER.unpack(await read_exactly(reader, HEADER.size, self.read_timeout))
        if not 0 < length <= self.max_bytes:
            raise RequestError(f"length prefix {length} is outside 1..{self.max_bytes} bytes "
                               f"({self.service.max_audio_seconds:g} s of {8 * self.sample_width}-bit PCM)")
        return await read_exactly(reader, length, self.read_timeout)
