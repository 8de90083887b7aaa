// Small numeric and string helpers shared by the CTC decoders and the Scorer.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

// DS2's order of prefixes (higher score first, ties by lower token) as one integer: a higher key ranks first.
inline uint64_t rank_key(float score, int token) {
  uint32_t bits;
  std::memcpy(&bits, &score, sizeof bits);
  bits ^= static_cast<uint32_t>(static_cast<int32_t>(bits) >> 31) | 0x80000000u;  // monotone in the float's value
  return (static_cast<uint64_t>(bits) << 32) | (0xFFFFFFFFu - static_cast<uint32_t>(token + 1));
}

// An extension's log prob with the LM's share alpha * log10 P + beta added as DS2 adds it (in double, stored in
// float after each term). Both beam search paths add LM scores only through this, so their sums agree to the bit.
inline float add_lm_score(float log_p, double lm_log10, double alpha, double beta) {
  log_p = static_cast<float>(log_p + lm_log10 * alpha);
  return static_cast<float>(log_p + beta);
}

// The LM score alpha * log10 P + beta of a prefix's last word, added to its score at the end as DS2 adds it.
inline float word_end_score(double lm_log10, double alpha, double beta) {
  const float score = static_cast<float>(lm_log10 * alpha);
  return static_cast<float>(score + beta);
}

// DS2's reported score of a finished prefix: the negated approximate CTC log prob, i.e. its search score less the
// LM's share (alpha * log10 P(sentence)) and the insertion bonuses (beta per token), at float precision.
inline double reported_score(float score, size_t num_tokens, double sentence_log10, double alpha, double beta) {
  const double approx_ctc = score - num_tokens * beta - sentence_log10 * alpha;
  return -static_cast<double>(static_cast<float>(approx_ctc));
}

// The frame with its blank probability (last) scaled by blank_scale and the frame renormalised, written to *out
// (num_classes floats); a frame of zeros stays as it is. Returns out's data.
const float *penalize_blank(const float *row, size_t num_classes, float blank_scale, std::vector<float> *out);

// One frame's candidate tokens as (index, log prob): DS2's pruning. Tokens are sorted by probability and cut at
// cumulative probability `cutoff_prob` or `cutoff_top_n` tokens only when pruning is asked for; otherwise they stay in
// index order (DS2 keeps every token when cutoff_prob is 1.0, even if cutoff_top_n is smaller than the vocabulary).
void pruned_log_probs(const float *probs, size_t num_classes, double cutoff_prob, size_t cutoff_top_n,
                      std::vector<std::pair<size_t, double>> *scratch, std::vector<std::pair<int, float>> *out);

// Number of UTF-8 characters in a string (its bytes that do not continue a character).
size_t utf8_length(const std::string &text);

// Split a UTF-8 string into its characters (each a std::string of 1 to 4 bytes).
std::vector<std::string> split_utf8(const std::string &text);

// Split on single spaces, dropping empty pieces.
std::vector<std::string> split_words(const std::string &text);
