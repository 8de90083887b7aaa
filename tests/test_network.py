"""DeepSpeech2 network: shapes, exact variable-length handling, padding-free batch norm, training."""
import copy
import math
import os

import numpy as np
import paddle
import paddle.nn.functional as F
import pytest

from model_utils.network import DeepSpeech2, GRURecurrence, RNNLayer, fft_conv2d, use_fast_mkl_kernels_on_amd

FEAT, DICT, HIDDEN = 21, 6, 12


def make_net(**kwargs) -> DeepSpeech2:
    paddle.seed(1)
    config = dict(num_conv_layers=2, num_rnn_layers=2, rnn_size=HIDDEN, use_gru=True, share_rnn_weights=True)
    config.update(kwargs)
    net = DeepSpeech2(FEAT, DICT, **config)
    if net.online:  # row-convolution taps that mix in the future (they start as the identity on the present)
        weight = net.row_conv.weight
        weight.set_value(np.random.default_rng(1).standard_normal(weight.shape).astype("float32"))
    return net


def batch(lengths, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((len(lengths), max(lengths), FEAT)).astype("float32")
    return paddle.to_tensor(x), paddle.to_tensor(np.array(lengths, dtype="int64"))


@pytest.mark.parametrize("frames,freq,kernel,padding,freq_stride", [(30, 41, (11, 21), (5, 10), 2),
                                                                   (7, 16, (3, 5), (1, 2), 1),
                                                                   (9, 10, (3, 5), (2, 4), 2)])
def test_fft_convolution_equals_direct_convolution(frames, freq, kernel, padding, freq_stride):
    rng = np.random.default_rng(4)
    x = paddle.to_tensor(rng.standard_normal((2, 3, frames, freq)).astype("float32"), stop_gradient=False)
    weight = paddle.to_tensor(rng.standard_normal((4, 3) + kernel).astype("float32"), stop_gradient=False)
    direct = F.conv2d(x, weight, stride=(1, freq_stride), padding=padding)
    via_fft = fft_conv2d(x, weight, padding, freq_stride)
    np.testing.assert_allclose(via_fft.numpy(), direct.numpy(), atol=1e-4, rtol=1e-5)
    probe = paddle.to_tensor(rng.standard_normal(direct.shape).astype("float32"))
    grads_direct = paddle.grad((direct * probe).sum(), [x, weight])
    grads_fft = paddle.grad((via_fft * probe).sum(), [x, weight])
    for a, b in zip(grads_fft, grads_direct):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("use_gru,share,convs,online", [(True, True, 1, False), (True, False, 2, False),
                                                        (False, True, 3, False), (False, False, 2, False),
                                                        (True, True, 2, True)])
def test_shapes_and_output_lengths(use_gru, share, convs, online):
    net = make_net(use_gru=use_gru, share_rnn_weights=share, num_conv_layers=convs, online=online)
    lengths = [31, 9, 1]
    logits, out_len = net(*batch(lengths))
    expected = [math.ceil(n / 3) for n in lengths]  # DS2's first conv strides time by 3
    assert out_len.numpy().tolist() == expected
    assert net.output_lengths(paddle.to_tensor(lengths)).numpy().tolist() == expected
    assert logits.shape == [3, max(expected), DICT + 1]
    assert net.receptive_field == 11 + 30 * (convs - 1)
    # padded output frames carry no information from the network: every class gets the fc bias only
    fc_bias = net.fc.bias.numpy()
    np.testing.assert_allclose(logits.numpy()[1, expected[1]:], np.broadcast_to(fc_bias, (11 - 3, DICT + 1)))


def test_time_stride_option():
    net = make_net(time_stride=4)
    _, out_len = net(*batch([40, 13]))
    assert out_len.numpy().tolist() == [10, 4]


@pytest.mark.parametrize("use_gru,share,online", [(True, True, False), (False, True, False), (False, False, False),
                                                 (True, True, True), (False, True, True)])
def test_batch_equals_single_utterances_in_eval(use_gru, share, online):
    net = make_net(use_gru=use_gru, share_rnn_weights=share, online=online)
    # non-trivial running statistics, so eval-mode BN is not the identity
    net.train()
    net(*batch([40, 33], seed=5))
    net.eval()
    lengths = [40, 17, 2]
    x, x_len = batch(lengths)
    logits, out_len = net(x, x_len)
    for i, n in enumerate(lengths):
        single, single_len = net(x[i:i + 1, :n], x_len[i:i + 1])
        frames = int(single_len[0])
        assert frames == int(out_len[i])
        np.testing.assert_allclose(logits.numpy()[i, :frames], single.numpy()[0], atol=1e-5, rtol=0)


@pytest.mark.parametrize("online", [False, True])
def test_training_batch_norm_ignores_padding(online):
    net = make_net(use_gru=False, share_rnn_weights=True, online=online)
    net.train()
    x, x_len = batch([25, 16])
    padded = paddle.concat([x, 100.0 * paddle.ones([2, 12, FEAT])], axis=1)  # loud garbage after the end
    garbage = x.numpy().copy()
    garbage[1, 16:] = 50.0  # and inside the second utterance's padding
    first, second = copy.deepcopy(net), copy.deepcopy(net)
    out_a, len_a = first(x, x_len)
    out_b, len_b = second(paddle.to_tensor(garbage), x_len)
    out_c, _ = net(padded, x_len)
    for i, frames in enumerate(len_a.numpy()):
        np.testing.assert_allclose(out_b.numpy()[i, :frames], out_a.numpy()[i, :frames], atol=1e-5, rtol=0)
        np.testing.assert_allclose(out_c.numpy()[i, :frames], out_a.numpy()[i, :frames], atol=1e-5, rtol=0)
    for (name, a), b, c in zip(first.state_dict().items(), second.state_dict().values(), net.state_dict().values()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), atol=1e-5, rtol=1e-5, err_msg=name)
        np.testing.assert_allclose(c.numpy(), a.numpy(), atol=1e-5, rtol=1e-5, err_msg=name)
    # the running statistics did move: the training pass really used batch statistics
    assert not np.allclose(first.conv[0].bn._mean.numpy(), 0.0)


def test_training_batch_norm_uses_real_frame_statistics():
    net = make_net()
    net.train()
    x, x_len = batch([20, 8])
    net(x, x_len)
    bn = net.conv[0].bn
    # recompute conv1's statistics by hand from the conv output of the zero-padded input
    zero_padded = x.numpy().copy()
    zero_padded[1, 8:] = 0.0
    conv_out = net.conv[0].conv(paddle.to_tensor(zero_padded).unsqueeze(1)).numpy()  # [B, C, T', F']
    frames = [7, 3]
    real = np.concatenate([conv_out[i, :, :frames[i]].reshape(conv_out.shape[1], -1) for i in range(2)], axis=1)
    np.testing.assert_allclose(bn._mean.numpy(), 0.1 * real.mean(axis=1), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(bn._variance.numpy(), 0.9 + 0.1 * real.var(axis=1), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("use_gru,online", [(True, False), (False, False), (True, True), (False, True)])
def test_adam_steps_reduce_ctc_loss_and_reach_every_parameter(use_gru, online):
    net = make_net(use_gru=use_gru, num_rnn_layers=1, online=online)
    net.train()
    optimizer = paddle.optimizer.Adam(0.01, parameters=net.parameters())
    x, x_len = batch([30, 24], seed=3)
    labels = paddle.to_tensor(np.array([[1, 2, 3, 4], [5, 0, 2, 0]], dtype="int32"))
    label_len = paddle.to_tensor(np.array([4, 3], dtype="int64"))
    losses = []
    for step in range(25):
        logits, out_len = net(x, x_len)
        log_probs = F.log_softmax(logits, axis=-1).transpose([1, 0, 2])
        loss = F.ctc_loss(log_probs, labels, out_len, label_len, blank=DICT, reduction="sum")
        loss.backward()
        if step == 0:
            for name, param in net.named_parameters():
                assert param.grad is not None and float(param.grad.abs().sum()) > 0, name
        optimizer.step()
        optimizer.clear_grad()
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("vendor, flags, expected", [
    ("AuthenticAMD", "fpu sse2 avx avx2 fma", "5"),
    ("AuthenticAMD", "avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16", "7"),
    ("AuthenticAMD", "avx2 avx512f avx512dq avx512cd", "5"),  # AVX-512 without BW/VL: AVX2 path
    ("GenuineIntel", "avx2 avx512f avx512dq avx512cd avx512bw avx512vl", None),
])
def test_mkl_fast_path_is_chosen_on_amd_only(tmp_path, monkeypatch, vendor, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nvendor_id\t: {vendor}\nmodel name\t: x\nflags\t\t: {flags}\n")
    monkeypatch.delenv("MKL_DEBUG_CPU_TYPE", raising=False)
    assert use_fast_mkl_kernels_on_amd(str(cpuinfo)) == (expected is not None)
    assert os.environ.get("MKL_DEBUG_CPU_TYPE") == expected


def test_mkl_setting_of_the_user_is_kept(tmp_path, monkeypatch):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("vendor_id\t: AuthenticAMD\n")
    monkeypatch.setenv("MKL_DEBUG_CPU_TYPE", "2")
    assert not use_fast_mkl_kernels_on_amd(str(cpuinfo))
    assert os.environ["MKL_DEBUG_CPU_TYPE"] == "2"
    monkeypatch.delenv("MKL_DEBUG_CPU_TYPE")
    assert not use_fast_mkl_kernels_on_amd(str(tmp_path / "missing"))
    assert "MKL_DEBUG_CPU_TYPE" not in os.environ


@pytest.mark.parametrize("seed,directions", [(0, 2), (1, 2), (2, 1)])
def test_gru_recurrence_backward_equals_autograd(seed, directions):
    paddle.seed(seed)
    layer = RNNLayer(10, 6, use_gru=True, share_weights=False, bidirectional=directions == 2)
    rng = np.random.default_rng(seed)
    x_rz = paddle.to_tensor(rng.standard_normal((9, directions, 3, 12)).astype("float32"), stop_gradient=False)
    x_n = paddle.to_tensor(rng.standard_normal((9, directions, 3, 6)).astype("float32"), stop_gradient=False)
    probe = paddle.to_tensor(rng.standard_normal((9, directions, 3, 6)).astype("float32"))
    inputs = [x_rz, x_n, layer.weight_hh, layer.bias_hh]
    fused = GRURecurrence.apply(*inputs)
    h, stepped = paddle.zeros([directions, 3, 6]), []
    for x_rz_t, x_n_t in zip(paddle.unbind(x_rz), paddle.unbind(x_n)):
        h = layer._step([x_rz_t, x_n_t], h)
        stepped.append(h)
    stepped = paddle.stack(stepped)
    np.testing.assert_allclose(fused.numpy(), stepped.numpy(), atol=1e-6)
    for a, b in zip(paddle.grad((fused * probe).sum(), inputs), paddle.grad((stepped * probe).sum(), inputs)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5, rtol=1e-5)
