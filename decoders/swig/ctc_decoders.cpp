#include "ctc_decoders.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "decoder_utils.h"

namespace {

constexpr int32_t kNone = -1;
constexpr int kRootCharacter = -1;
constexpr int32_t kNoOov = 1 << 20;

// One prefix of the beam search trie. Nodes live in a flat pool and refer to each other by index.
struct Node {
  float b_prev = -kFloatInf;   // log prob of the prefix ending in blank, previous frame
  float nb_prev = -kFloatInf;  // ... ending in its last token, previous frame
  float b_cur = -kFloatInf;
  float nb_cur = -kFloatInf;
  float score = -kFloatInf;    // log_sum_exp(b_prev, nb_prev) (+ LM scores)
  double lm_logp = 0.0;        // log10 LM prob of the token this node completes (word LMs: space nodes only)
  int32_t character = kRootCharacter;
  int32_t parent = kNone;
  int32_t first_child = kNone;
  int32_t next_sibling = kNone;
  int32_t dict_state = Scorer::kDictStart;  // word LMs: character-trie state
  int32_t context = 0;                      // word LMs: node holding the LM state before the current word
  int32_t oov_distance = kNoOov;            // character LMs: tokens back to the latest OOV token (0: this one)
  bool active = true;                       // in the current list of prefixes
};

void check_probs(const float *probs, size_t num_frames, size_t num_classes, const std::vector<std::string> &vocabulary,
                 const std::string &what) {
  if (num_classes != vocabulary.size() + 1) {
    throw std::invalid_argument(what + "each frame has " + std::to_string(num_classes) + " probabilities, expected " +
                                std::to_string(vocabulary.size() + 1) + " (len(vocabulary) + 1, blank last)");
  }
  if (num_frames == 0) throw std::invalid_argument(what + "no frames to decode");
  for (size_t i = 0; i < num_frames * num_classes; ++i) {
    if (!(probs[i] >= 0.0f) || std::isinf(probs[i])) {
      throw std::invalid_argument(what + "frame " + std::to_string(i / num_classes) + " holds " +
                                  (std::isnan(probs[i]) ? "NaN" : "a negative or infinite value") +
                                  "; expected probabilities");
    }
  }
}

class BeamSearch {
 public:
  BeamSearch(const std::vector<std::string> &vocabulary, size_t beam_size, double cutoff_prob, size_t cutoff_top_n,
             const Scorer *scorer)
      : vocabulary_(vocabulary), beam_size_(beam_size), cutoff_prob_(cutoff_prob), cutoff_top_n_(cutoff_top_n),
        scorer_(scorer), blank_(static_cast<int>(vocabulary.size())),
        space_id_(static_cast<int>(std::find(vocabulary.begin(), vocabulary.end(), " ") - vocabulary.begin())),
        char_lm_(scorer && scorer->is_character_based()), word_lm_(scorer && !scorer->is_character_based()) {
    if (space_id_ >= blank_) space_id_ = -2;
    if (scorer_) {
      alpha_ = scorer_->alpha;
      beta_ = scorer_->beta;
      max_order_ = static_cast<int32_t>(scorer_->get_max_order());
    }
  }

  BeamResults decode(const float *probs, size_t num_frames, size_t num_classes);

 private:
  bool precedes(int32_t a, int32_t b) const {  // DS2's prefix order: higher score first, ties by token
    const Node &x = nodes_[a], &y = nodes_[b];
    return x.score == y.score ? x.character < y.character : x.score > y.score;
  }
  int32_t find_child(int32_t parent, int c) const;
  int32_t extend(int32_t parent, int c);
  int32_t new_node(int32_t parent, int c);
  void release(int32_t node);
  void add_extension(int32_t child, int c, float log_p);
  void score_final_words(const std::vector<int32_t> &prefixes);
  BeamResults results(std::vector<int32_t> &prefixes) const;

  const std::vector<std::string> &vocabulary_;
  const size_t beam_size_;
  const double cutoff_prob_;
  const size_t cutoff_top_n_;
  const Scorer *scorer_;
  const int blank_;
  int space_id_;
  const bool char_lm_, word_lm_;
  double alpha_ = 0.0, beta_ = 0.0;
  int32_t max_order_ = 0;

  std::vector<Node> nodes_;
  std::vector<lm::ngram::State> states_;  // LM state after each node (word LMs: root and space nodes)
  std::vector<int32_t> free_;
  std::vector<int32_t> activated_;        // prefixes that joined the list during this frame
};

int32_t BeamSearch::find_child(int32_t parent, int c) const {
  for (int32_t n = nodes_[parent].first_child; n != kNone; n = nodes_[n].next_sibling) {
    if (nodes_[n].character == c) return n;
  }
  return kNone;
}

int32_t BeamSearch::new_node(int32_t parent, int c) {
  int32_t n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
    nodes_[n] = Node();
  } else {
    n = static_cast<int32_t>(nodes_.size());
    nodes_.emplace_back();
    if (scorer_) states_.emplace_back();
  }
  Node &node = nodes_[n];
  node.character = c;
  node.parent = parent;
  node.next_sibling = nodes_[parent].first_child;
  nodes_[parent].first_child = n;
  node.context = nodes_[parent].context;
  return n;
}

// DS2's PathTrie::get_path_trie: the child for token c, reactivated or created; kNone when the word LM's vocabulary
// has no word spelled so. Like DS2's FST matcher, a refused token right after a word's space sends that space node
// back to the trie's start, so it refuses one token and accepts word starts afterwards.
int32_t BeamSearch::extend(int32_t parent, int c) {
  int32_t n = find_child(parent, c);
  if (n != kNone) {
    if (!nodes_[n].active) {
      Node &node = nodes_[n];
      node.active = true;
      node.b_prev = node.nb_prev = node.b_cur = node.nb_cur = -kFloatInf;
      activated_.push_back(n);
    }
    return n;
  }
  int32_t dict_state = Scorer::kDictStart;
  if (word_lm_) {
    int32_t &state = nodes_[parent].dict_state;
    dict_state = scorer_->dict_next(state, c);
    if (dict_state == Scorer::kNoState) {
      if (state == Scorer::kDictFinal) state = Scorer::kDictStart;
      return kNone;
    }
  }
  n = new_node(parent, c);
  Node &node = nodes_[n];
  node.dict_state = dict_state;
  if (word_lm_ && c == space_id_) {
    const Node &before = nodes_[parent];
    node.context = n;
    node.lm_logp = scorer_->base_score(states_[before.context],
                                       static_cast<lm::WordIndex>(scorer_->dict_word(before.dict_state)), &states_[n]);
  } else if (char_lm_) {
    const lm::WordIndex word = scorer_->token_word(c);
    node.oov_distance = word == 0 ? 0 : std::min(nodes_[parent].oov_distance + 1, kNoOov);
    const float logp = scorer_->base_score(states_[parent], word, &states_[n]);
    node.lm_logp = node.oov_distance < max_order_ ? kOovScore : logp;
  }
  activated_.push_back(n);
  return n;
}

// DS2's PathTrie::remove: drop the prefix from the list; free it, and ancestors left without use, once childless.
void BeamSearch::release(int32_t n) {
  nodes_[n].active = false;
  while (n != 0 && nodes_[n].first_child == kNone && !nodes_[n].active) {
    const int32_t parent = nodes_[n].parent;
    int32_t *link = &nodes_[parent].first_child;
    while (*link != n) link = &nodes_[*link].next_sibling;
    *link = nodes_[n].next_sibling;
    free_.push_back(n);
    n = parent;
  }
}

void BeamSearch::add_extension(int32_t child, int c, float log_p) {
  if (char_lm_ || (word_lm_ && c == space_id_)) {
    log_p = static_cast<float>(log_p + nodes_[child].lm_logp * alpha_);
    log_p = static_cast<float>(log_p + beta_);
  }
  nodes_[child].nb_cur = log_sum_exp(nodes_[child].nb_cur, log_p);
}

BeamResults BeamSearch::decode(const float *probs, size_t num_frames, size_t num_classes) {
  nodes_.assign(1, Node());
  nodes_[0].score = nodes_[0].b_prev = 0.0f;
  if (scorer_) states_.assign(1, scorer_->begin_state());
  std::vector<int32_t> prefixes{0}, next;
  std::vector<std::pair<size_t, double>> scratch;
  std::vector<std::pair<int, float>> candidates;
  std::vector<float> log_prob_of(num_classes);

  for (size_t t = 0; t < num_frames; ++t) {
    const float *row = probs + t * num_classes;
    pruned_log_probs(row, num_classes, cutoff_prob_, cutoff_top_n_, &scratch, &candidates);
    const bool full_beam = prefixes.size() == beam_size_;
    float min_score = kFloatInf;
    for (int32_t p : prefixes) min_score = std::min(min_score, nodes_[p].score);

    std::fill(log_prob_of.begin(), log_prob_of.end(), -kFloatInf);
    for (const auto &cand : candidates) log_prob_of[cand.first] = cand.second;
    const float log_prob_blank = static_cast<float>(std::log(static_cast<double>(row[blank_]) + kFloatMin));
    // With an LM, DS2 skips every extension below this bound. It is computed from the same float log prob as the
    // extensions (DS2 mixed float and double here, so rounding could drop the weakest prefix's own blank).
    float lm_cutoff = -kFloatInf;
    if (scorer_ && full_beam) lm_cutoff = static_cast<float>(min_score + log_prob_blank - std::max(0.0, beta_));
    // Without an LM, DS2 extends everything; a new prefix below this bound cannot outscore the beam's prefixes
    // (each keeps at least its score plus the blank's), so it is not created. Results are unchanged.
    float create_cutoff = -kFloatInf;
    if (!scorer_ && full_beam && log_prob_of[blank_] > -kFloatInf) create_cutoff = min_score + log_prob_of[blank_];

    activated_.clear();
    for (int32_t p : prefixes) {
      for (const auto &cand : candidates) {
        const int c = cand.first;
        const float log_prob_c = cand.second;
        const float p_score = nodes_[p].score;
        if (log_prob_c + p_score < lm_cutoff) continue;
        if (c == blank_) {
          nodes_[p].b_cur = log_sum_exp(nodes_[p].b_cur, log_prob_c + p_score);
          continue;
        }
        float log_p = log_prob_c + p_score;
        if (c == nodes_[p].character) {
          nodes_[p].nb_cur = log_sum_exp(nodes_[p].nb_cur, log_prob_c + nodes_[p].nb_prev);
          log_p = nodes_[p].b_prev > -kFloatInf ? log_prob_c + nodes_[p].b_prev : -kFloatInf;
        }
        if (log_prob_c + p_score < create_cutoff) continue;  // existing children are updated below
        const int32_t child = extend(p, c);
        if (child != kNone) add_extension(child, c, log_p);
      }
      if (create_cutoff > -kFloatInf) {
        for (int32_t n = nodes_[p].first_child; n != kNone; n = nodes_[n].next_sibling) {
          const Node &node = nodes_[n];
          const float log_prob_c = log_prob_of[node.character];
          const float p_score = nodes_[p].score;
          if (!node.active || log_prob_c == -kFloatInf || !(log_prob_c + p_score < create_cutoff)) continue;
          float log_p = log_prob_c + p_score;
          if (node.character == nodes_[p].character) {
            log_p = nodes_[p].b_prev > -kFloatInf ? log_prob_c + nodes_[p].b_prev : -kFloatInf;
          }
          add_extension(n, node.character, log_p);
        }
      }
    }

    next.assign(prefixes.begin(), prefixes.end());
    next.insert(next.end(), activated_.begin(), activated_.end());
    for (int32_t p : next) {
      Node &node = nodes_[p];
      node.b_prev = node.b_cur;
      node.nb_prev = node.nb_cur;
      node.b_cur = node.nb_cur = -kFloatInf;
      node.score = log_sum_exp(node.b_prev, node.nb_prev);
    }
    if (next.size() > beam_size_) {
      std::nth_element(next.begin(), next.begin() + beam_size_, next.end(),
                       [this](int32_t a, int32_t b) { return precedes(a, b); });
      for (size_t i = beam_size_; i < next.size(); ++i) release(next[i]);
      next.resize(beam_size_);
    }
    prefixes.swap(next);
  }

  if (word_lm_) score_final_words(prefixes);
  return results(prefixes);
}

// Word LMs: score each prefix's last word, which no space has completed yet (-1000 if it is not an LM word).
void BeamSearch::score_final_words(const std::vector<int32_t> &prefixes) {
  lm::ngram::State out;
  for (int32_t p : prefixes) {
    Node &node = nodes_[p];
    if (p == 0 || node.character == space_id_) continue;
    const int64_t word = scorer_->dict_word(node.dict_state);
    const double logp =
        word >= 0 ? scorer_->base_score(states_[node.context], static_cast<lm::WordIndex>(word), &out) : kOovScore;
    float score = static_cast<float>(logp * alpha_);
    score = static_cast<float>(score + beta_);
    node.score += score;
  }
}

BeamResults BeamSearch::results(std::vector<int32_t> &prefixes) const {
  std::sort(prefixes.begin(), prefixes.end(), [this](int32_t a, int32_t b) { return precedes(a, b); });
  BeamResults out;
  std::vector<int> labels;
  for (int32_t p : prefixes) {
    labels.clear();
    for (int32_t n = p; n != 0; n = nodes_[n].parent) labels.push_back(nodes_[n].character);
    std::reverse(labels.begin(), labels.end());
    std::string text;
    for (int label : labels) text += vocabulary_[label];
    // DS2's score: the approximate CTC log prob, the LM's share and word insertions removed, negated.
    double approx_ctc = nodes_[p].score;
    if (scorer_) {
      approx_ctc -= labels.size() * beta_;
      approx_ctc -= scorer_->get_sent_log_prob(scorer_->split_labels(labels)) * alpha_;
    }
    out.emplace_back(-static_cast<double>(static_cast<float>(approx_ctc)), text);
  }
  return out;
}

}  // namespace

std::string ctc_greedy_decoder(size_t probs, size_t num_frames, size_t num_classes,
                               const std::vector<std::string> &vocabulary) {
  const float *data = reinterpret_cast<const float *>(probs);
  check_probs(data, num_frames, num_classes, vocabulary, "");
  const size_t blank = vocabulary.size();
  std::string text;
  size_t previous = blank;
  for (size_t t = 0; t < num_frames; ++t) {
    const float *row = data + t * num_classes;
    size_t best = 0;
    float best_prob = 0.0f;
    for (size_t j = 0; j < num_classes; ++j) {
      if (best_prob < row[j]) {
        best = j;
        best_prob = row[j];
      }
    }
    if (best != blank && (t == 0 || best != previous)) text += vocabulary[best];
    previous = best;
  }
  return text;
}

BeamResults ctc_beam_search_decoder(size_t probs, size_t num_frames, size_t num_classes,
                                    const std::vector<std::string> &vocabulary, size_t beam_size,
                                    double cutoff_prob, size_t cutoff_top_n, Scorer *ext_scorer) {
  const float *data = reinterpret_cast<const float *>(probs);
  if (beam_size == 0) throw std::invalid_argument("beam_size must be at least 1");
  check_probs(data, num_frames, num_classes, vocabulary, "");
  BeamSearch search(vocabulary, beam_size, cutoff_prob, cutoff_top_n, ext_scorer);
  return search.decode(data, num_frames, num_classes);
}

std::vector<BeamResults> ctc_beam_search_decoder_batch(const std::vector<size_t> &probs,
                                                       const std::vector<size_t> &num_frames, size_t num_classes,
                                                       const std::vector<std::string> &vocabulary, size_t beam_size,
                                                       size_t num_threads, double cutoff_prob, size_t cutoff_top_n,
                                                       Scorer *ext_scorer) {
  if (probs.size() != num_frames.size()) throw std::invalid_argument("one frame count per utterance expected");
  if (beam_size == 0) throw std::invalid_argument("beam_size must be at least 1");
  if (num_threads == 0) throw std::invalid_argument("num_processes must be at least 1");
  for (size_t i = 0; i < probs.size(); ++i) {
    check_probs(reinterpret_cast<const float *>(probs[i]), num_frames[i], num_classes, vocabulary,
                "utterance " + std::to_string(i) + ": ");
  }
  std::vector<BeamResults> results(probs.size());
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&]() {
    for (size_t i = next++; i < probs.size(); i = next++) {
      try {
        BeamSearch search(vocabulary, beam_size, cutoff_prob, cutoff_top_n, ext_scorer);
        results[i] = search.decode(reinterpret_cast<const float *>(probs[i]), num_frames[i], num_classes);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < std::min(num_threads, probs.size()); ++i) threads.emplace_back(work);
  work();
  for (auto &thread : threads) thread.join();
  if (error) std::rethrow_exception(error);
  return results;
}
