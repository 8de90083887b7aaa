#include "decoder_utils.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <numeric>

namespace {

// A probability's bits, which order as the probability does since it is not negative (-0 counts as 0).
inline uint32_t prob_bits(float prob) {
  uint32_t bits;
  std::memcpy(&bits, &prob, sizeof bits);
  return bits & 0x7FFFFFFFu;
}

// A token as one integer that orders as DS2's sort orders tokens: its probability's bits, then its index
// complemented, so that a tie puts the lower index first.
inline uint64_t token_key(const float *probs, size_t i) {
  return (static_cast<uint64_t>(prob_bits(probs[i])) << 32) | (0xFFFFFFFFu - static_cast<uint32_t>(i));
}

inline size_t key_token(uint64_t key) { return 0xFFFFFFFFu - static_cast<uint32_t>(key); }

// The `top` most probable tokens of a frame, by decreasing probability and ties by index (the order a stable sort
// gives), into *scratch. The frame is cut into blocks: the top-th largest of the blocks' maxima is reached by at
// least `top` tokens (one per block), so the best `top` tokens all reach it, and only blocks whose maximum reaches it
// are read again. Two vectorised passes instead of a sort of the whole frame (thousands of tokens for Mandarin).
void top_tokens(const float *probs, size_t num_classes, size_t top, std::vector<std::pair<size_t, double>> *scratch) {
  constexpr size_t kBlock = 16;
  thread_local std::vector<float> block_max, order;
  thread_local std::vector<uint64_t> keys;
  const size_t blocks = (num_classes + kBlock - 1) / kBlock;
  block_max.assign(blocks, 0.0f);
  for (size_t b = 0; b < blocks; ++b) {
    const float *block = probs + b * kBlock;
    float best[4] = {0.0f, 0.0f, 0.0f, 0.0f};  // four chains: maxss one after another would wait on each other
    if ((b + 1) * kBlock <= num_classes) {
      for (size_t i = 0; i < kBlock; i += 4) {
        for (size_t k = 0; k < 4; ++k) best[k] = std::max(best[k], block[i + k]);
      }
    } else {
      for (size_t i = 0; b * kBlock + i < num_classes; ++i) best[0] = std::max(best[0], block[i]);
    }
    block_max[b] = std::max(std::max(best[0], best[1]), std::max(best[2], best[3]));
  }
  float bar = 0.0f;
  if (blocks >= top) {
    order.assign(block_max.begin(), block_max.end());
    std::nth_element(order.begin(), order.begin() + (top - 1), order.end(), std::greater<float>());
    bar = order[top - 1];
  }
  keys.clear();
  for (size_t b = 0; b < blocks; ++b) {
    if (block_max[b] < bar) continue;
    for (size_t i = b * kBlock; i < std::min(num_classes, (b + 1) * kBlock); ++i) {
      if (probs[i] >= bar) keys.push_back(token_key(probs, i));
    }
  }
  if (keys.size() > top) {
    std::nth_element(keys.begin(), keys.begin() + (top - 1), keys.end(), std::greater<uint64_t>());
    keys.resize(top);
  }
  std::sort(keys.begin(), keys.end(), std::greater<uint64_t>());
  scratch->clear();
  for (const uint64_t key : keys) scratch->emplace_back(key_token(key), static_cast<double>(probs[key_token(key)]));
}

}  // namespace

void pruned_log_probs(const float *probs, size_t num_classes, double cutoff_prob, size_t cutoff_top_n,
                      std::vector<std::pair<size_t, double>> *scratch, std::vector<std::pair<int, float>> *out) {
  size_t keep = num_classes;
  if (cutoff_prob < 1.0) {
    // At most cutoff_top_n tokens are kept (at least one), so only they are selected and sorted.
    top_tokens(probs, num_classes, std::max<size_t>(1, std::min(cutoff_top_n, num_classes)), scratch);
    double cum_prob = 0.0;
    keep = 0;
    for (const auto &item : *scratch) {
      cum_prob += item.second;
      keep += 1;
      if (cum_prob >= cutoff_prob || keep >= cutoff_top_n) break;
    }
  } else {
    scratch->clear();
    for (size_t i = 0; i < num_classes; ++i) scratch->emplace_back(i, static_cast<double>(probs[i]));
    if (cutoff_top_n < num_classes) {
      std::stable_sort(scratch->begin(), scratch->end(),
                       [](const auto &a, const auto &b) { return a.second > b.second; });
    }
  }
  out->clear();
  for (size_t i = 0; i < keep; ++i) {
    const auto &item = (*scratch)[i];
    out->emplace_back(static_cast<int>(item.first), static_cast<float>(std::log(item.second + kFloatMin)));
  }
}

// Scaling every frame's blank alike changes which prefixes win, not what a probability means.
const float *penalize_blank(const float *row, size_t num_classes, float blank_scale, std::vector<float> *out) {
  float *dst = out->data();
  std::copy(row, row + num_classes, dst);
  dst[num_classes - 1] *= blank_scale;
  const double total = std::accumulate(dst, dst + num_classes, 0.0);
  if (total > 0.0) {
    for (size_t j = 0; j < num_classes; ++j) dst[j] = static_cast<float>(dst[j] / total);
  }
  return dst;
}

size_t utf8_length(const std::string &text) {
  size_t length = 0;
  for (const char byte : text) length += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  return length;
}

std::vector<std::string> split_utf8(const std::string &text) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    if (lead >= 0xF0) len = 4;
    else if (lead >= 0xE0) len = 3;
    else if (lead >= 0xC0) len = 2;
    len = std::min(len, text.size() - i);
    chars.push_back(text.substr(i, len));
    i += len;
  }
  return chars;
}

std::vector<std::string> split_words(const std::string &text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}
