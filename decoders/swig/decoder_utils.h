// Small numeric and string helpers shared by the CTC decoders and the Scorer.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

constexpr float kFloatInf = std::numeric_limits<float>::max();
constexpr float kFloatMin = std::numeric_limits<float>::min();
constexpr double kOovScore = -1000.0;

// log(exp(x) + exp(y)) in float, as DS2 computes it. When the smaller term is more than 17 nats below the larger
// and |larger| >= 1, log1p(exp(-d)) < 4.2e-8 is below half an ulp of the larger, so the float result is exactly
// the larger term: skipping exp/log there changes nothing.
inline float log_sum_exp(float x, float y) {
  if (x <= -kFloatInf) return y;
  if (y <= -kFloatInf) return x;
  const float xmax = x > y ? x : y;
  const float d = x > y ? y - x : x - y;
  if (d < -17.0f && (xmax <= -1.0f || xmax >= 1.0f)) return xmax;
  return std::log(1.0f + std::exp(d)) + xmax;  // the larger term's exp(0) is exactly 1
}

// One frame's candidate tokens as (index, log prob): DS2's pruning. Tokens are sorted by probability and cut at
// cumulative probability `cutoff_prob` or `cutoff_top_n` tokens only when pruning is asked for; otherwise they stay in
// index order (DS2 keeps every token when cutoff_prob is 1.0, even if cutoff_top_n is smaller than the vocabulary).
void pruned_log_probs(const float *probs, size_t num_classes, double cutoff_prob, size_t cutoff_top_n,
                      std::vector<std::pair<size_t, double>> *scratch, std::vector<std::pair<int, float>> *out);

// Split a UTF-8 string into its characters (each a std::string of 1 to 4 bytes).
std::vector<std::string> split_utf8(const std::string &text);

// Split on single spaces, dropping empty pieces.
std::vector<std::string> split_words(const std::string &text);
