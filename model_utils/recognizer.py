"""Recognizer: one utterance (an AudioSegment) in, its transcript out.

The "recognise this audio" path of infer.py --audio_file and the demo server: featurize with the
checkpoint's feature settings, normalise with its mean/std, run the network, decode::

    recognizer = Recognizer.from_args(args, explicit_flags(parser))   # flags of model_utils.decoding
    text = recognizer.recognize(AudioSegment.from_file("hello.wav"), "hello.wav")

``features`` is plain numpy (safe to call from several threads at once); ``transcribe`` runs the
network and must not run concurrently: paddle's dynamic-graph mode gives wrong results when two
threads run forward passes at the same time, even on separate model instances. A server featurizes
in a thread pool and transcribes on one thread (deploy/demo_server.py). ``open_stream`` starts a live
utterance of an online model (model_utils/stream_recognizer.py).
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Sequence

import numpy as np

from data_utils.audio import AudioError, AudioSegment
from data_utils.data import pad_sequences
from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.normalizer import FeatureNormalizer
from model_utils.ctc_decoder import CTCDecoder
from model_utils.decoding import ExportedModel, load_model, make_decoder
from model_utils.model import DeepSpeech2Model, saved_setting
from model_utils.stream_recognizer import RecognitionStream

if TYPE_CHECKING:
    from decoders.swig_wrapper import WordTiming


class Recognizer:
    """A DeepSpeech2Model with its feature pipeline and a CTCDecoder."""

    def __init__(self, model: DeepSpeech2Model, mean_std_path: str, decoder: CTCDecoder):
        self.model = model
        self.featurizer = AudioFeaturizer(**model.config["feature"])
        self.normalizer = FeatureNormalizer(mean_std_path)
        self.decoder = decoder

    @classmethod
    def from_args(cls, args: argparse.Namespace, explicit: dict) -> "Recognizer":
        """Build from the flags of ``add_model_args`` and ``add_decoder_args``; ``explicit`` are those given."""
        model = load_model(args, explicit)
        return cls(model, args.mean_std_path, make_decoder(model, args))

    def features(self, audio: AudioSegment, name: str = "audio") -> np.ndarray:
        """Normalised features [T, D] at the model's sample rate.

        Unusable audio (empty, silent, shorter than one analysis window) raises AudioError naming
        ``name``; a clip shorter than the network's receptive field is fine (the model pads it).
        """
        try:
            return self.normalizer.apply(self.featurizer.featurize(audio))
        except ValueError as err:
            raise AudioError(f"{name}: {err}") from None

    @property
    def streams(self) -> bool:
        """Whether ``open_stream`` works: an online checkpoint (not an exported model) with linear or fbank
        features."""
        return bool(saved_setting(self.model.config, "network", "online")) and \
            not isinstance(self.model, ExportedModel) and \
            self.model.config["feature"].get("specgram_type", "linear") != "mfcc"

    def open_stream(self, sample_rate: int) -> RecognitionStream:
        """A live utterance of 16-bit PCM at ``sample_rate`` (needs ``streams``)."""
        return RecognitionStream(self, sample_rate)

    def transcribe(self, features: Sequence[np.ndarray]) -> list[str]:
        """Transcripts of a batch of feature arrays [T_i, D] (zero-padded into one forward pass)."""
        return self.decoder.decode_batch(self._probs(features))

    def transcribe_words(self, features: Sequence[np.ndarray]) -> list[tuple[str, list[WordTiming]]]:
        """``transcribe``'s transcripts, each with its timed words."""
        return self.decoder.decode_batch_words(self._probs(features), self.model.frame_duration)

    def _probs(self, features: Sequence[np.ndarray]) -> list[np.ndarray]:
        return self.model.infer_batch_probs(*pad_sequences(features, features[0].shape[1:], np.float32))

    def recognize(self, audio: AudioSegment, name: str = "audio") -> str:
        """Transcript of one utterance."""
        return self.transcribe([self.features(audio, name)])[0]
