#include "decoder_utils.h"

#include <algorithm>
#include <numeric>

void pruned_log_probs(const float *probs, size_t num_classes, double cutoff_prob, size_t cutoff_top_n,
                      std::vector<std::pair<size_t, double>> *scratch, std::vector<std::pair<int, float>> *out) {
  scratch->clear();
  for (size_t i = 0; i < num_classes; ++i) scratch->emplace_back(i, static_cast<double>(probs[i]));
  size_t keep = num_classes;
  if (cutoff_prob < 1.0 || cutoff_top_n < num_classes) {
    std::stable_sort(scratch->begin(), scratch->end(),
                     [](const auto &a, const auto &b) { return a.second > b.second; });
    if (cutoff_prob < 1.0) {
      double cum_prob = 0.0;
      keep = 0;
      for (const auto &item : *scratch) {
        cum_prob += item.second;
        keep += 1;
        if (cum_prob >= cutoff_prob || keep >= cutoff_top_n) break;
      }
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
