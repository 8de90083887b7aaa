// The plain CTC prefix beam search. It follows decoders/reference.py function by function (and DS2's
// ctc_beam_search_decoder loop by loop): a trie of prefixes with children in creation order, every kept token
// tried on every prefix (tokens outside, prefixes inside), LM scores looked up from n-gram strings, and the whole
// trie walked each frame to collect the prefixes. Its float arithmetic is the optimised path's, term by term, so
// the tests can ask both for the same results.
#include "plain_beam_search.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "decoder_utils.h"

namespace {

const char *const kStartToken = "<s>";

// A prefix: a node of DS2's PathTrie (reference.py's _Prefix).
struct Prefix {
  Prefix *parent = nullptr;
  int token = -1;
  std::vector<std::unique_ptr<Prefix>> children;  // in creation order
  float b_prev = -kFloatInf, nb_prev = -kFloatInf, b_cur = -kFloatInf, nb_cur = -kFloatInf, score = -kFloatInf;
  bool exists = true;     // in the list of prefixes (a removed prefix stays while it has children)
  Scorer::DictStep dict;  // word LMs: the position of the word being spelled in the scorer's trie of LM words
};

bool ranks_before(const Prefix *x, const Prefix *y) {
  return rank_key(x->score, x->token) > rank_key(y->score, y->token);
}

class PlainSearch {
 public:
  PlainSearch(const std::vector<std::string> &vocabulary, size_t beam_size, double cutoff_prob, size_t cutoff_top_n,
              const Scorer *scorer, double blank_penalty)
      : vocabulary_(vocabulary), beam_size_(beam_size), cutoff_prob_(cutoff_prob), cutoff_top_n_(cutoff_top_n),
        blank_scale_(static_cast<float>(std::exp(-blank_penalty))), scorer_(scorer),
        blank_(static_cast<int>(vocabulary.size())),
        space_id_(static_cast<int>(std::find(vocabulary.begin(), vocabulary.end(), " ") - vocabulary.begin())),
        char_lm_(scorer && scorer->is_character_based()), word_lm_(scorer && !scorer->is_character_based()),
        alpha_(scorer ? scorer->alpha : 0.0), beta_(scorer ? scorer->beta : 0.0) {
    if (space_id_ >= blank_) space_id_ = -2;
    if (word_lm_) root_.dict = scorer_->dict_start();
  }

  std::vector<std::pair<double, std::string>> decode(const float *probs, size_t num_frames, size_t num_classes);

 private:
  Prefix *child(Prefix *prefix, int token) const;
  void collect(Prefix *node, std::vector<Prefix *> *out) const;
  static void remove(Prefix *node);
  std::vector<int> labels(const Prefix *prefix) const;
  std::vector<std::string> ngram(const std::vector<int> &labels) const;
  double end_log10(const std::vector<int> &labels) const;

  const std::vector<std::string> &vocabulary_;
  const size_t beam_size_;
  const double cutoff_prob_;
  const size_t cutoff_top_n_;
  const float blank_scale_;
  const Scorer *scorer_;
  const int blank_;
  int space_id_;
  const bool char_lm_, word_lm_;
  const double alpha_, beta_;
  Prefix root_;
};

// reference.py's _Prefix.child (DS2's get_path_trie): the child by `token`, revived if it was removed, or a new one;
// nullptr when a word LM's trie refuses the spelling. A refusal right after a word's space sends that space node
// back to the trie's start (DS2's FST matcher), so it refuses once and accepts word starts afterwards.
Prefix *PlainSearch::child(Prefix *prefix, int token) const {
  for (auto &node : prefix->children) {
    if (node->token != token) continue;
    if (!node->exists) {
      node->exists = true;
      node->b_prev = node->nb_prev = node->b_cur = node->nb_cur = -kFloatInf;
    }
    return node.get();
  }
  Scorer::DictStep dict;
  if (word_lm_) {
    dict = scorer_->dict_step(prefix->dict, token);
    if (dict.state == Scorer::kNoState) {
      if (prefix->dict.state == Scorer::kDictFinal) prefix->dict = scorer_->dict_start();
      return nullptr;
    }
  }
  prefix->children.push_back(std::make_unique<Prefix>());
  Prefix *node = prefix->children.back().get();
  node->parent = prefix;
  node->token = token;
  node->dict = dict;
  return node;
}

// reference.py's _Prefix.collect (DS2's iterate_to_vec): roll each listed prefix's sums into its score and list it.
void PlainSearch::collect(Prefix *node, std::vector<Prefix *> *out) const {
  if (node->exists) {
    node->b_prev = node->b_cur;
    node->nb_prev = node->nb_cur;
    node->b_cur = node->nb_cur = -kFloatInf;
    node->score = log_sum_exp(node->b_prev, node->nb_prev);
    out->push_back(node);
  }
  for (auto &next : node->children) collect(next.get(), out);
}

// reference.py's _Prefix.remove (DS2's PathTrie::remove): unlist the prefix; free it, and ancestors left unused.
void PlainSearch::remove(Prefix *node) {
  node->exists = false;
  while (node->parent && node->children.empty() && !node->exists) {
    Prefix *parent = node->parent;
    auto &siblings = parent->children;
    siblings.erase(std::find_if(siblings.begin(), siblings.end(), [node](const auto &n) { return n.get() == node; }));
    node = parent;
  }
}

std::vector<int> PlainSearch::labels(const Prefix *prefix) const {
  std::vector<int> out;
  for (; prefix->parent; prefix = prefix->parent) out.push_back(prefix->token);
  std::reverse(out.begin(), out.end());
  return out;
}

// reference.py's ReferenceScorer.ngram (DS2's make_ngram): the last max_order tokens (character LMs) or words,
// padded with <s>.
std::vector<std::string> PlainSearch::ngram(const std::vector<int> &labels) const {
  std::vector<std::string> units;
  if (char_lm_) {
    for (int label : labels) units.push_back(vocabulary_[label]);
  } else {
    std::string text;
    for (int label : labels) text += vocabulary_[label];
    size_t start = 0;
    for (size_t space = text.find(' '); space != std::string::npos; space = text.find(' ', start)) {
      units.push_back(text.substr(start, space - start));
      start = space + 1;
    }
    units.push_back(text.substr(start));
  }
  const size_t order = scorer_->get_max_order();
  if (units.size() > order) units.erase(units.begin(), units.end() - order);
  units.insert(units.begin(), order - units.size(), kStartToken);
  return units;
}

// reference.py's ReferenceScorer.end_score without alpha: log10 P(</s> | the last words or characters).
double PlainSearch::end_log10(const std::vector<int> &labels) const {
  std::vector<std::string> units = scorer_->split_labels(labels);
  const size_t context = scorer_->get_max_order() - 1;
  if (units.size() > context) units.erase(units.begin(), units.end() - context);
  units.insert(units.begin(), context - units.size(), kStartToken);
  units.push_back("</s>");
  return scorer_->get_log_cond_prob(units);
}

std::vector<std::pair<double, std::string>> PlainSearch::decode(const float *probs, size_t num_frames,
                                                                size_t num_classes) {
  root_.score = root_.b_prev = 0.0f;
  std::vector<Prefix *> prefixes{&root_};
  std::vector<std::pair<size_t, double>> scratch;
  std::vector<std::pair<int, float>> tokens;
  std::vector<float> penalized(num_classes);
  const float lm_slack = scorer_ ? static_cast<float>(std::max(0.0, beta_)) : 0.0f;
  for (size_t t = 0; t < num_frames; ++t) {
    const float *row = probs + t * num_classes;
    if (blank_scale_ != 1.0f) row = penalize_blank(row, num_classes, blank_scale_, &penalized);

    // Step 1: prune the frame's tokens by cutoff_prob and cutoff_top_n (reference.py's _pruned).
    pruned_log_probs(row, num_classes, cutoff_prob_, cutoff_top_n_, &scratch, &tokens);

    // Step 2: with an LM and a full beam, DS2 skips every extension scoring below the weakest prefix's blank path.
    float min_cutoff = -kFloatInf;
    if (scorer_ && prefixes.size() == beam_size_) {
      std::sort(prefixes.begin(), prefixes.end(), ranks_before);
      const float log_prob_blank = static_cast<float>(std::log(static_cast<double>(row[blank_]) + kFloatMin));
      min_cutoff = static_cast<float>(prefixes.back()->score + log_prob_blank - lm_slack);
    }

    // Step 3: extend every prefix by every kept token: the blank and a repeated token update the prefix itself,
    // any other token (and a repeat after a blank) its child, with the LM score of the word or character it ends.
    for (const auto &[token, log_prob] : tokens) {
      for (Prefix *prefix : prefixes) {
        if (log_prob + prefix->score < min_cutoff) break;
        if (token == blank_) {
          prefix->b_cur = log_sum_exp(prefix->b_cur, log_prob + prefix->score);
          continue;
        }
        if (token == prefix->token) prefix->nb_cur = log_sum_exp(prefix->nb_cur, log_prob + prefix->nb_prev);
        Prefix *next = child(prefix, token);
        if (next == nullptr) continue;
        float log_p = log_prob + prefix->score;
        if (token == prefix->token) log_p = prefix->b_prev > -kFloatInf ? log_prob + prefix->b_prev : -kFloatInf;
        if (char_lm_ || (word_lm_ && token == space_id_)) {
          const double lm = scorer_->get_log_cond_prob(ngram(labels(char_lm_ ? next : prefix)));
          log_p = add_lm_score(log_p, lm, alpha_, beta_);
        }
        next->nb_cur = log_sum_exp(next->nb_cur, log_p);
      }
    }

    // Step 4: collect the prefixes from the trie and keep the beam_size best; the rest are removed.
    prefixes.clear();
    collect(&root_, &prefixes);
    if (prefixes.size() > beam_size_) {
      std::nth_element(prefixes.begin(), prefixes.begin() + beam_size_, prefixes.end(), ranks_before);
      for (size_t i = beam_size_; i < prefixes.size(); ++i) remove(prefixes[i]);
      prefixes.resize(beam_size_);
    }
  }

  // Step 5: the final LM scores (a word LM's unfinished last word; with end_of_sentence, </s>), then DS2's order.
  if (scorer_) {
    for (Prefix *prefix : prefixes) {
      const std::vector<int> path = labels(prefix);
      if (word_lm_ && prefix != &root_ && prefix->token != space_id_) {
        prefix->score += word_end_score(scorer_->get_log_cond_prob(ngram(path)), alpha_, beta_);
      }
      if (scorer_->end_of_sentence) prefix->score += static_cast<float>(end_log10(path) * alpha_);
    }
  }
  std::sort(prefixes.begin(), prefixes.end(), ranks_before);

  // Step 6: report each prefix's text with DS2's score (the LM's share removed).
  std::vector<std::pair<double, std::string>> results;
  for (const Prefix *prefix : prefixes) {
    const std::vector<int> path = labels(prefix);
    std::string text;
    for (int label : path) text += vocabulary_[label];
    const double sentence_log10 = scorer_ ? scorer_->get_sent_log_prob(scorer_->split_labels(path)) : 0.0;
    results.emplace_back(reported_score(prefix->score, path.size(), sentence_log10, alpha_, beta_), text);
  }
  return results;
}

}  // namespace

std::vector<std::pair<double, std::string>> plain_beam_search(const float *probs, size_t num_frames,
                                                              size_t num_classes,
                                                              const std::vector<std::string> &vocabulary,
                                                              size_t beam_size, double cutoff_prob,
                                                              size_t cutoff_top_n, const Scorer *scorer,
                                                              double blank_penalty) {
  PlainSearch search(vocabulary, beam_size, cutoff_prob, cutoff_top_n, scorer, blank_penalty);
  return search.decode(probs, num_frames, num_classes);
}
