"""Exported DS2 networks: save one for variable-length input, and run it with Paddle Inference.

``export_network`` writes ``<prefix>.pdmodel`` (Paddle 2.6) or ``<prefix>.json`` (Paddle 3.x, PIR)
plus ``<prefix>.pdiparams``. ``ExportedNetwork`` runs such a model on CPU (optionally with oneDNN)
or GPU and returns what the dygraph network returns: (logits [B, T', C], out_len [B]).

oneDNN is off by default: in Paddle 3.3 its kernels fail inside the GRU's while loop (a binary op
gets a sliced input of the wrong rank); simple-RNN networks run with it.
"""
from __future__ import annotations

import os

import numpy as np
import paddle
from paddle.static import InputSpec

INPUT_NAMES = ("audio", "audio_len")


def export_network(network: paddle.nn.Layer, feat_size: int, path_prefix: str) -> None:
    """Save ``network`` (in eval mode) as a static model taking any batch size and length."""
    network.eval()
    spec = [InputSpec([None, None, feat_size], "float32", INPUT_NAMES[0]),
            InputSpec([None], "int64", INPUT_NAMES[1])]
    paddle.jit.save(network, path_prefix, input_spec=spec)


def model_file(path_prefix: str) -> str:
    """The exported program: PIR ``.json`` (Paddle 3.x) or ``.pdmodel`` (Paddle 2.6)."""
    for suffix in (".json", ".pdmodel"):
        if os.path.exists(path_prefix + suffix):
            return path_prefix + suffix
    raise FileNotFoundError(f"{path_prefix}: no exported model ({path_prefix}.json or {path_prefix}.pdmodel)")


class ExportedNetwork:
    """An exported DS2 network run by a Paddle Inference predictor."""

    def __init__(self, path_prefix: str, use_gpu: bool = False, use_onednn: bool = False, num_threads: int = 1):
        config = paddle.inference.Config(model_file(path_prefix), path_prefix + ".pdiparams")
        if use_gpu:
            config.enable_use_gpu(256, 0)
        else:
            config.disable_gpu()
            config.set_cpu_math_library_num_threads(num_threads)
            if use_onednn:
                config.enable_mkldnn()
            else:
                config.disable_mkldnn()
        config.disable_glog_info()
        self.predictor = paddle.inference.create_predictor(config)

    def __call__(self, audio: np.ndarray, audio_len: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """audio [B, T, D] float32, audio_len [B] int64 -> (logits [B, T', C], out_len [B])."""
        for name, value in zip(INPUT_NAMES, (np.asarray(audio, "float32"), np.asarray(audio_len, "int64"))):
            self.predictor.get_input_handle(name).copy_from_cpu(np.ascontiguousarray(value))
        self.predictor.run()
        logits, out_len = (self.predictor.get_output_handle(name).copy_to_cpu()
                           for name in self.predictor.get_output_names())
        return logits, out_len
