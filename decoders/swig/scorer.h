// Scorer: a KenLM n-gram model plus what the CTC beam search needs from it.
//
// LM score of a completed token = alpha * log10 P(token | history) + beta, as in DS2. A character LM (every LM
// vocabulary entry but <s>, </s>, <unk> is one UTF-8 character) scores every emitted character; a word LM scores a
// word when the space after it is emitted, and restricts prefixes to spellings of its vocabulary through a character
// trie of the LM's words (built once here).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#ifndef SWIG
#include "lm/state.hh"
#include "lm/virtual_interface.hh"
#endif

class Scorer {
 public:
  // end_of_sentence: the beam search adds alpha * log10 P(</s> | last words) to every finished prefix, so that the
  // LM scores whole sentences (DS2 leaves it out: false decodes exactly as DS2).
  Scorer(double alpha, double beta, const std::string &model_path, const std::vector<std::string> &vocabulary,
         bool end_of_sentence = false);
  ~Scorer();

  double alpha;
  double beta;
  bool end_of_sentence;

  void reset_params(double alpha, double beta);
  // log10 P(last word | the words before it), starting from an empty context as DS2 does; -1000 if any word is OOV.
  double get_log_cond_prob(const std::vector<std::string> &words) const;
  // log10 P(<s> words </s>), summed over max_order windows as DS2 does.
  double get_sent_log_prob(const std::vector<std::string> &words) const;
  bool is_character_based() const { return is_character_based_; }
  size_t get_max_order() const { return max_order_; }
  // Number of LM words that can be spelled with the vocabulary (word LMs; 0 for character LMs).
  size_t get_dict_size() const { return dict_size_; }

#ifndef SWIG
  // Character-trie state for word LMs: kDictFinal is the state right after a word and its space.
  static constexpr int32_t kDictStart = 0;
  static constexpr int32_t kDictFinal = -2;
  static constexpr int32_t kNoState = -1;

  // A position in the trie: the state, where its edges start, and dict_allowed of it. Steps from a position read
  // one edge (which keeps its target's position) and, for vocabularies of 64 tokens or more, the state's entry.
  struct DictStep {
    int32_t state = kDictStart;
    int32_t first_edge = 0;
    uint64_t allowed = ~uint64_t{0};
  };
  DictStep dict_start() const {
    return {kDictStart, dict_.empty() ? 0 : dict_[0].first_edge, dict_allowed(kDictStart)};
  }
  // The step by vocabulary token c (space included); state kNoState when no LM word is spelled that way.
  DictStep dict_step(const DictStep &from, int c) const {
    if (from.state >= 0) {
      if (c == space_id_) {
        const int32_t next = dict_[from.state].word >= 0 ? kDictFinal : kNoState;
        return {next, 0, dict_allowed(next)};
      }
      if (use_masks_) {  // edges are sorted by token: the edge of c is ranked by the edge bits below c
        if ((from.allowed >> c) & 1) {
          const uint64_t below = from.allowed & ((uint64_t{1} << c) - 1) & ~space_bit_;
          return edges_[from.first_edge + __builtin_popcountll(below)];
        }
      } else {
        const auto begin = edge_token_.begin() + from.first_edge;
        const auto end = edge_token_.begin() + dict_[from.state + 1].first_edge;
        const auto found = std::lower_bound(begin, end, c);
        if (found != end && *found == c) return edges_[found - edge_token_.begin()];
      }
    }
    return {kNoState, 0, dict_allowed(kNoState)};
  }
  // Tokens dict_step accepts from this state, as bits; all bits when the vocabulary has 64 tokens or more.
  uint64_t dict_allowed(int32_t state) const {
    if (!use_masks_) return ~uint64_t{0};
    if (state < 0) return 0;
    const DictState &at = dict_[state];
    const bool space_allowed = space_id_ >= 0 && at.word >= 0;
    return at.edge_mask | (space_allowed ? uint64_t{1} << space_id_ : 0);
  }
  // LM index of the word that ends at this trie state, or -1 when no word ends there.
  int64_t dict_word(int32_t state) const { return state >= 0 ? dict_[state].word : -1; }
  // LM index of vocabulary token c (character LMs), 0 (<unk>) when the LM lacks it.
  lm::WordIndex token_word(int c) const { return token_words_[c]; }
  int space_id() const { return space_id_; }
  const lm::ngram::State &begin_state() const { return begin_state_; }
  lm::WordIndex end_word() const { return model_->BaseVocabulary().EndSentence(); }
  float base_score(const lm::ngram::State &in, lm::WordIndex word, lm::ngram::State *out) const {
    return model_->BaseScore(&in, word, out);
  }
  // Words of a decoded label sequence, as the LM sees them (characters, or space-separated words).
  std::vector<std::string> split_labels(const std::vector<int> &labels) const;
#endif

 private:
#ifndef SWIG
  void build_dictionary(const std::vector<std::pair<lm::WordIndex, std::string>> &lm_words);

  std::unique_ptr<lm::base::Model> model_;
  std::vector<std::string> vocabulary_;
  size_t max_order_ = 0;
  size_t dict_size_ = 0;
  bool is_character_based_ = true;
  int space_id_ = -1;
  lm::ngram::State begin_state_;
  std::vector<lm::WordIndex> token_words_;
  // Character trie in compressed rows: edges of state s are [dict_[s].first_edge, dict_[s + 1].first_edge). What a
  // lookup reads of a state sits in one 16-byte entry (one cache miss).
  struct DictState {
    uint64_t edge_mask;  // tokens of the edges, as bits (vocabularies under 64 tokens)
    int32_t first_edge;
    int32_t word;        // LM index of the word ending here, or -1
  };
  bool use_masks_ = false;
  std::vector<DictState> dict_;  // one per state, then an end marker
  std::vector<int32_t> edge_token_;
  std::vector<DictStep> edges_;  // the edges' targets, in the order of edge_token_
  uint64_t space_bit_ = 0;       // the space token's bit (vocabularies under 64 tokens)
#endif
};
