// The optimised CTC prefix beam search (and the greedy decoder and the entry points of ctc_decoders.h).
//
// Overview. It computes what DS2's ctc_beam_search_decoder computes, and what decoders/reference.py and the plain
// C++ path (plain_beam_search.cpp, plain=True) compute the obvious way; the tests hold all three to the same results.
// Several optimisations are woven into one frame loop, so here is the map.
//
// Data structures
//   Node        a prefix (reference.py's _Prefix, DS2's PathTrie) in a flat pool, linked by index to its parent and
//               siblings; `active` is _Prefix.exists. A node also keeps what its extensions need: the word LM's trie
//               position (dict), the LM score of the token it completes (lm_logp), the OOV distance of char LMs.
//   states_     the KenLM state after each node, so an LM score is one BaseScore from the parent's state instead of
//               reference.py's n-gram string looked up from an empty context (ReferenceScorer.ngram/log_cond_prob).
//   Candidate   an extension that is not an active node yet; it becomes a node only if it makes the beam.
//   lm_cache_ / child_of_ / child_mask   vocabularies under 64 tokens: per-node rows of children's LM scores and
//               child indexes, and the children as bits, so lookups are table reads instead of sibling walks.
//   score_cache_  vocabularies of 64 tokens or more (Mandarin): LM scores in a hash table by (LM state, token), the
//               states numbered by state_ids_, so prefixes that end alike share them (word LMs: by (node, token)).
//
// feed(), frame by frame, with the reference.py function each step stands for (the state between frames is kept in
// members, so a stream can be fed in chunks; the offline decoder feeds all frames at once, then calls finish()):
//   Step 1: prune the frame's tokens (pruned_log_probs: _pruned); blank_penalty rescales the frame first.
//   Step 2: the cutoffs. lm_cutoff is DS2's min_cutoff (the weakest prefix plus the blank, less max(0, beta)): below
//           it no extension is tried. `floor` (the weakest prefix plus the blank, a bound on what a full beam keeps)
//           and `stop` = max(lm_cutoff, floor less the LM's largest bonus) let each prefix stop at its first token
//           that cannot make the beam, with the tokens visited by decreasing probability.
//   Step 3: extend every prefix (the two loops of ctc_beam_search_decoder): its own blank and repeat terms, then each
//           token via extend() (_Prefix.child plus the nb update): an active child collects the term, anything else
//           becomes a Candidate whose score includes the LM score (lm_score: ReferenceScorer.score, cached).
//   Step 4: keep the beam_size best (select(): _Prefix.collect, the sort and _Prefix.remove): old prefixes and
//           candidates are ranked together with nth_element; kept candidates become nodes (make_node), dropped
//           prefixes are released (release(): _Prefix.remove).
// finish(), after the last frame:
//   Step 5: the final LM scores (score_endings(): the loop after the frames, with end_log_prob: end_score) and
//           DS2's order (results()).
//   Step 6: report DS2's score, the LM's share removed (sentence_log_prob(): sent_log_prob), and each text.
#include "ctc_decoders.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "decoder_utils.h"
#include "plain_beam_search.h"
#include "score_cache.h"

namespace {

constexpr int32_t kNone = -1;
constexpr int kRootCharacter = -1;
constexpr int32_t kNoOov = 1 << 20;

// One prefix of the beam search trie. Nodes live in a flat pool and refer to each other by index. The fields every
// frame reads come first and fit one 64-byte cache line.
struct alignas(64) Node {
  uint64_t child_mask = 0;                  // tokens of the children, as bits (vocabularies under 64 tokens)
  Scorer::DictStep dict;                    // word LMs: character-trie position (dict.allowed: all bits otherwise)
  float b_prev = -kFloatInf;                // log prob of the prefix ending in blank, previous frame
  float nb_prev = -kFloatInf;               // ... ending in its last token, previous frame
  float b_cur = -kFloatInf;
  float nb_cur = -kFloatInf;
  float score = -kFloatInf;                 // log_sum_exp(b_prev, nb_prev) (+ LM scores)
  float lm_logp = 0.0f;                     // log10 LM prob of the token this node completes (KenLM's floats)
  int32_t character = kRootCharacter;
  int32_t first_child = kNone;
  int32_t next_sibling = kNone;
  bool active = true;                       // in the current list of prefixes
  int32_t parent = kNone;
  int32_t prev_sibling = kNone;
  int32_t context = 0;                      // word LMs: node holding the LM state before the current word
  int32_t oov_distance = kNoOov;            // character LMs: tokens back to the latest OOV token (0: this one)
  uint64_t lm_known = 0;                    // tokens whose LM score as a child of this node is in lm_cache_
  uint32_t id = 0;                          // never reused within an utterance: word LMs' keys of score_cache_
  int32_t lm_state = 0;                     // character LMs: the StateIds id of its LM state (vocabularies >= 64)
  // Word timings (tracked only when asked for): the token's emission is the frame of the largest term the node got
  // from its parent while in the trie, i.e. the likeliest frame for its last token on the beam's paths.
  float emit_term = -kFloatInf;             // that largest term (log prob of the path emitting the token then)
  int32_t emit_frame = 0;                   // its frame, counted from the utterance's first frame
  float emit_prob = 0.0f;                   // the network's probability of the token in that frame
};

// A prefix that would join the list this frame. It is only made a node if it makes the beam, which spares creating
// and freeing the many extensions that fall out at once. Its score is final: a new prefix gets one term per frame.
// What a new node derives from its parent (trie state, OOV distance) is worked out only for candidates kept.
// Candidates and ranking entries are written field by field into buffers that only grow (a braced temporary copied
// into a vector stalls on store forwarding, and push_back's growth check is not free either).
struct Candidate {
  float score;
  int32_t parent;
  int32_t character;
  int32_t node;   // its inactive node, or kNone for a new one
  int32_t state;  // index in candidate_states_ of the LM state after the token, or kNone (computed if kept)
  float lm_logp;
};

// An entry of the end-of-frame selection: an old prefix (ref >= 0, its node) or a candidate (ref = -1 - index).
// key orders entries as DS2 orders prefixes (higher score first, ties by lower token) in one integer comparison.
struct Ranked {
  uint64_t key;
  int32_t ref;
  float score;
};

// Nodes are visited in the beam's order, which is scattered over the pool: each loop asks for the node it will
// visit this many steps later.
constexpr size_t kPrefetchAhead = 8;
static_assert(sizeof(Node) == 128, "a node spans two cache lines");

inline void prefetch_node(const std::vector<Node> &nodes, const std::vector<int32_t> &prefixes, size_t i) {
  if (i + kPrefetchAhead < prefixes.size()) __builtin_prefetch(&nodes[prefixes[i + kPrefetchAhead]]);
}

void check_probs(const float *probs, size_t num_frames, size_t num_classes, const std::vector<std::string> &vocabulary,
                 const std::string &what) {
  if (num_classes != vocabulary.size() + 1) {
    throw std::invalid_argument(what + "each frame has " + std::to_string(num_classes) + " probabilities, expected " +
                                std::to_string(vocabulary.size() + 1) + " (len(vocabulary) + 1, blank last)");
  }
  // Each frame is counted without branches first (the loop vectorises); the bad value is sought only in a bad frame.
  for (size_t t = 0; t < num_frames; ++t) {
    const float *row = probs + t * num_classes;
    uint32_t valid = 0;
    for (size_t j = 0; j < num_classes; ++j) valid += (row[j] >= 0.0f) & (row[j] <= kFloatInf);
    for (size_t j = 0; valid != num_classes && j < num_classes; ++j) {
      if (row[j] >= 0.0f && !std::isinf(row[j])) continue;
      throw std::invalid_argument(what + "frame " + std::to_string(t) + " holds " +
                                  (std::isnan(row[j]) ? "NaN" : "a negative or infinite value") +
                                  "; expected probabilities");
    }
  }
}

// |blank_penalty| <= 50 keeps exp(-blank_penalty) times a probability inside float's range.
void check_blank_penalty(double blank_penalty) {
  if (!(std::fabs(blank_penalty) <= 50.0)) {
    throw std::invalid_argument("blank_penalty must lie between -50 and 50, got " + std::to_string(blank_penalty));
  }
}

// Stable sort by decreasing probability: insertion sort for small vocabularies (no allocation), else std::stable_sort.
void sort_by_prob(std::vector<std::pair<int, float>> *tokens) {
  auto &items = *tokens;
  if (items.size() > 64) {
    std::stable_sort(items.begin(), items.end(), [](const auto &a, const auto &b) { return a.second > b.second; });
    return;
  }
  for (size_t i = 1; i < items.size(); ++i) {
    const auto item = items[i];
    size_t j = i;
    for (; j > 0 && items[j - 1].second < item.second; --j) items[j] = items[j - 1];
    items[j] = item;
  }
}

inline bool more_than_four_bits(uint64_t bits) {
  for (int i = 0; i < 4; ++i) bits &= bits - 1;
  return bits != 0;
}

// A token of a decoded path: the frames it spans (beam search: its emission frame twice) and its probability there.
struct Emission {
  int token;
  int32_t first_frame;
  int32_t last_frame;
  float prob;
};

// The words of a decoded path. Words are the pieces between space tokens, or each token alone for character LMs
// and vocabularies without a space (Mandarin), as the scorer scores them. A word spans its first token's first
// frame to its last token's last frame. Its confidence is the mean of its tokens' probabilities: it stays in
// [0, 1], reads as "how sure the network was of these letters on average", and one badly placed frame lowers it
// in proportion rather than sending it to zero as a product (or geometric mean) would.
std::vector<WordTiming> group_words(const std::vector<Emission> &path, const std::vector<std::string> &vocabulary,
                                    int space_id, bool each_token_a_word) {
  std::vector<WordTiming> words;
  bool open = false;  // the last word takes more tokens
  size_t tokens = 0;
  for (const Emission &emission : path) {
    if (emission.token == space_id) {
      open = false;
      continue;
    }
    if (!open) {
      words.push_back({"", emission.first_frame, emission.last_frame, 0.0});
      tokens = 0;
    }
    WordTiming &word = words.back();
    word.text += vocabulary[emission.token];
    word.end_frame = emission.last_frame;
    word.confidence = (word.confidence * tokens + emission.prob) / (tokens + 1);
    ++tokens;
    open = !each_token_a_word;
  }
  return words;
}

// One frame's extension tokens by decreasing log prob, padded to a power of two, with the masks of their top k.
class TopTokens {
 public:
  void assign(const std::vector<std::pair<int, float>> &by_prob) {
    size_ = 1;
    while (size_ <= by_prob.size()) size_ *= 2;
    log_probs_.assign(size_, -kFloatInf);
    masks_.assign(size_, 0);
    uint64_t mask = 0;
    for (size_t k = 0; k < size_; ++k) {
      if (k < by_prob.size()) {
        log_probs_[k] = by_prob[k].second;
        mask |= uint64_t{1} << by_prob[k].first;
      }
      masks_[k] = mask;
    }
  }
  uint64_t all() const { return masks_[size_ - 1]; }
  // The tokens whose log prob plus p_score is not below stop (float sums, as the caller computes them): the test is
  // monotone in the log prob, so they are the top `count`. Counted without branches (the compiler vectorises the
  // loop); the padding's -kFloatInf adds only tokens already in all().
  uint64_t above(float p_score, float stop) const {
    uint32_t count = 0;
    for (size_t k = 0; k < size_; ++k) count += !(log_probs_[k] + p_score < stop);
    return count ? masks_[count - 1] : 0;
  }

 private:
  size_t size_ = 1;
  std::vector<float> log_probs_;
  std::vector<uint64_t> masks_;
};

class BeamSearch {
 public:
  // track_emissions: keep each prefix's emission frame and probability, for words() (a few stores per extension).
  BeamSearch(const std::vector<std::string> &vocabulary, size_t beam_size, double cutoff_prob, size_t cutoff_top_n,
             const Scorer *scorer, double blank_penalty, bool track_emissions)
      : vocabulary_(vocabulary), num_classes_(vocabulary.size() + 1), beam_size_(beam_size),
        cutoff_prob_(cutoff_prob), cutoff_top_n_(cutoff_top_n),
        blank_scale_(static_cast<float>(std::exp(-blank_penalty))), scorer_(scorer),
        blank_(static_cast<int>(vocabulary.size())),
        space_id_(static_cast<int>(std::find(vocabulary.begin(), vocabulary.end(), " ") - vocabulary.begin())),
        char_lm_(scorer && scorer->is_character_based()), word_lm_(scorer && !scorer->is_character_based()),
        use_masks_(vocabulary.size() < 64),
        single_char_tokens_(std::all_of(vocabulary.begin(), vocabulary.end(),
                                        [](const std::string &t) { return utf8_length(t) == 1; })),
        track_emissions_(track_emissions) {
    if (space_id_ >= blank_) space_id_ = -2;
    if (scorer_) {
      alpha_ = scorer_->alpha;
      beta_ = scorer_->beta;
      max_order_ = static_cast<int32_t>(scorer_->get_max_order());
      token_oov_.resize(vocabulary.size());
      for (size_t c = 0; c < vocabulary.size(); ++c) token_oov_[c] = scorer_->token_word(static_cast<int>(c)) == 0;
    }
    lm_slack_ = scorer_ ? static_cast<float>(std::max(0.0, beta_)) : 0.0f;
    begin();
  }

  // The search is a stream: feed() frames in any chunks (checked by the caller), then finish() once. Chunking does
  // not change the results: every frame runs the same steps on the same state.
  void feed(const float *probs, size_t num_frames);
  // The final LM scores and the results, best first; words of the best with track_emissions. Ends the stream.
  DecodeResult finish();
  // The prefix ranked first by its search score now (no final LM scores): O(beam_size).
  int32_t best_prefix() const;
  std::string text(int32_t p) const { return text_of(labels(p)); }
  std::vector<WordTiming> words(int32_t p) const;
  size_t frames_fed() const { return static_cast<size_t>(frame_); }

 private:
  int32_t find_child(int32_t parent, int c) const;
  void extend(int32_t parent, int c, float log_p, float floor);
  void queue_new(int32_t parent, int c, float log_p, float floor);
  void add_candidate(float score, int32_t parent, int c, int32_t node, int32_t state, float lm_logp);
  float with_lm(float log_p, int c, float lm_logp) const;
  float lm_score(int32_t parent, int c, lm::ngram::State *out) const;
  float new_lm_score(int32_t parent, int c, int32_t *state);
  float with_oov(int32_t parent, int c, float logp) const;
  int32_t new_candidate_state();
  float cached_lm_score(int32_t parent, int c, int32_t *state);
  int32_t make_node(const Candidate &candidate);
  void release(int32_t node);
  float select(std::vector<int32_t> *prefixes);
  double end_log_prob(int32_t p, double *last_word, bool with_end) const;
  void score_endings(const std::vector<int32_t> &prefixes);
  double sentence_log_prob(int32_t p, const std::vector<int> &labels) const;
  BeamResults results(std::vector<int32_t> &prefixes) const;
  void begin();
  void note_emission(Node *node, float term, int c);
  std::vector<int> labels(int32_t p) const;
  std::string text_of(const std::vector<int> &labels) const;

  const std::vector<std::string> &vocabulary_;
  const size_t num_classes_;
  const size_t beam_size_;
  const double cutoff_prob_;
  const size_t cutoff_top_n_;
  const float blank_scale_;  // exp(-blank_penalty): 1 decodes the network's probabilities as they are
  const Scorer *scorer_;
  const int blank_;
  int space_id_;
  const bool char_lm_, word_lm_;
  const bool use_masks_;
  const bool single_char_tokens_;  // every vocabulary token is one UTF-8 character
  const bool track_emissions_;
  float lm_slack_ = 0.0f;           // the most the LM adds to an extension: max(0, beta)
  std::vector<uint8_t> token_oov_;  // character LMs: tokens the LM lacks (1)
  double alpha_ = 0.0, beta_ = 0.0;
  int32_t max_order_ = 0;

  std::vector<Node> nodes_;
  std::vector<lm::ngram::State> states_;  // LM state after each node (word LMs: root and space nodes)
  std::vector<int32_t> free_;
  std::vector<Candidate> candidates_;  // the first num_candidates_ are this frame's
  size_t num_candidates_ = 0;
  std::vector<lm::ngram::State> candidate_states_;
  std::vector<float> lm_cache_;  // LM scores of children not made nodes: lm_stride_ per node (vocabularies < 64)
  std::vector<int32_t> child_of_;  // vocabularies < 64: each node's child by token (kNone if none), a row per node
  std::vector<int32_t> child_at_;  // vocabularies >= 64: the children of the prefix being extended, by token
  size_t lm_stride_ = 0;
  ScoreCache score_cache_;  // vocabularies of 64 tokens or more: LM scores of children not made nodes
  StateIds state_ids_;      // ... with character LMs: their keys' LM states
  uint32_t next_id_ = 1;
  std::vector<Ranked> ranked_;

  // The stream's state between frames.
  std::vector<int32_t> prefixes_;  // the beam
  float min_score_ = 0.0f;         // the lowest score in it
  int32_t frame_ = 0;              // frames fed so far
  const float *raw_row_ = nullptr;  // the frame being decoded, as the network gave it
  bool finished_ = false;
  // Per-frame scratch, kept to spare allocations.
  std::vector<std::pair<size_t, double>> scratch_;
  std::vector<std::pair<int, float>> frame_tokens_, by_prob_;
  TopTokens top_;
  std::vector<float> log_prob_of_;  // the frame's kept tokens' log probs, by token (-kFloatInf otherwise)
  std::vector<float> penalized_;
};

inline bool precedes(const Ranked &x, const Ranked &y) { return x.key > y.key; }

// A table lookup: child_of_ for small vocabularies, else child_at_, which holds the children of the prefix being
// extended (walking the siblings for every token would miss the cache at each step).
int32_t BeamSearch::find_child(int32_t parent, int c) const {
  if (use_masks_) return (nodes_[parent].child_mask >> c) & 1 ? child_of_[parent * vocabulary_.size() + c] : kNone;
  return child_at_[c];
}

// The LM's share of an extension by token c, added as DS2 adds it (in double, stored in float).
float BeamSearch::with_lm(float log_p, int c, float lm_logp) const {
  return char_lm_ || (word_lm_ && c == space_id_) ? add_lm_score(log_p, lm_logp, alpha_, beta_) : log_p;
}

// Extend prefix `parent` by token c with log prob log_p (DS2's get_path_trie and the nb update): an active child
// collects the term; an inactive one, or a new prefix (queue_new), is queued as a candidate when its score can reach
// `floor`.
inline void BeamSearch::extend(int32_t parent, int c, float log_p, float floor) {
  const int32_t n = find_child(parent, c);
  if (n == kNone) return queue_new(parent, c, log_p, floor);
  Node &child = nodes_[n];
  const float term = with_lm(log_p, c, child.lm_logp);
  if (child.active) {
    child.nb_cur = log_sum_exp(child.nb_cur, term);
    if (track_emissions_ && term > child.emit_term) note_emission(&child, term, c);
  } else if (!(term < floor)) {
    add_candidate(term, parent, c, n, kNone, child.lm_logp);
  }
}

// A candidate for a prefix not in the trie, unless the word LM's trie refuses the spelling. Like DS2's FST matcher,
// a refused token right after a word's space sends that space node back to the trie's start, so it refuses one token
// and accepts word starts afterwards.
void BeamSearch::queue_new(int32_t parent, int c, float log_p, float floor) {
  if (word_lm_) {
    Node &before = nodes_[parent];
    // With masks, dict.allowed holds exactly the tokens dict_step accepts.
    const bool refused = use_masks_ ? !((before.dict.allowed >> c) & 1)
                                    : scorer_->dict_step(before.dict, c).state == Scorer::kNoState;
    if (refused) {
      if (before.dict.state == Scorer::kDictFinal) before.dict = scorer_->dict_start();
      return;
    }
  }
  float lm_logp = 0.0f;
  int32_t state = kNone;
  if (char_lm_ || (word_lm_ && c == space_id_)) lm_logp = new_lm_score(parent, c, &state);
  const float score = with_lm(log_p, c, lm_logp);
  if (!(score < floor)) add_candidate(score, parent, c, kNone, state, lm_logp);
}

inline void BeamSearch::add_candidate(float score, int32_t parent, int c, int32_t node, int32_t state, float lm_logp) {
  if (num_candidates_ == candidates_.size()) candidates_.resize(2 * candidates_.size() + 64);
  Candidate &candidate = candidates_[num_candidates_++];
  candidate.score = score;
  candidate.parent = parent;
  candidate.character = c;
  candidate.node = node;
  candidate.state = state;
  candidate.lm_logp = lm_logp;
}

// lm_score of a new prefix, through the caches. *state gets the index in candidate_states_ of the LM state after the
// token when it was computed, else kNone (make_node computes it for the few candidates kept). A character LM's
// score is -1000 whenever the child's n-gram holds an OOV token, so no lookup is made then.
float BeamSearch::new_lm_score(int32_t parent, int c, int32_t *state) {
  if (char_lm_ && (token_oov_[c] || nodes_[parent].oov_distance + 1 < max_order_)) return kOovScore;
  if (!lm_stride_) return cached_lm_score(parent, c, state);
  // Vocabularies under 64 tokens keep the scores in the parent's row of lm_cache_.
  const int slot = char_lm_ ? c : 0;
  if ((nodes_[parent].lm_known >> slot) & 1) return lm_cache_[parent * lm_stride_ + slot];
  *state = new_candidate_state();
  const float lm_logp = lm_score(parent, c, &candidate_states_[*state]);
  lm_cache_[parent * lm_stride_ + slot] = lm_logp;
  nodes_[parent].lm_known |= uint64_t{1} << slot;
  return lm_logp;
}

// log10 LM prob of token c after prefix `parent` (DS2: -1000 when an OOV token is in the n-gram), and the state.
float BeamSearch::lm_score(int32_t parent, int c, lm::ngram::State *out) const {
  const Node &before = nodes_[parent];
  if (word_lm_) {
    const int64_t word = scorer_->dict_word(before.dict.state);
    return scorer_->base_score(states_[before.context], static_cast<lm::WordIndex>(word), out);
  }
  return with_oov(parent, c, scorer_->base_score(states_[parent], scorer_->token_word(c), out));
}

// A character LM's log10 prob as DS2 scores it: -1000 when an OOV token is among the last max_order tokens.
float BeamSearch::with_oov(int32_t parent, int c, float logp) const {
  const int32_t oov_distance = scorer_->token_word(c) == 0 ? 0 : std::min(nodes_[parent].oov_distance + 1, kNoOov);
  return oov_distance < max_order_ ? kOovScore : logp;
}

int32_t BeamSearch::new_candidate_state() {
  candidate_states_.emplace_back();
  return static_cast<int32_t>(candidate_states_.size() - 1);
}

// lm_score through score_cache_ (vocabularies of 64 tokens or more). A character LM's score depends on the parent's
// LM state only (new_lm_score applies the OOV rule first), so prefixes with equal states share entries.
float BeamSearch::cached_lm_score(int32_t parent, int c, int32_t *state) {
  const uint64_t key = ScoreCache::key(char_lm_ ? nodes_[parent].lm_state : nodes_[parent].id, c);
  float logp;
  if (score_cache_.find(key, &logp)) return logp;
  *state = new_candidate_state();
  if (char_lm_) {  // the OOV rule is applied by new_lm_score
    logp = scorer_->base_score(states_[parent], scorer_->token_word(c), &candidate_states_[*state]);
  } else {
    logp = lm_score(parent, c, &candidate_states_[*state]);
  }
  score_cache_.insert(key, logp);
  return logp;
}

// Turn a candidate that made the beam into an active node holding its score.
int32_t BeamSearch::make_node(const Candidate &candidate) {
  int32_t n = candidate.node;
  if (n == kNone) {
    if (!free_.empty()) {
      n = free_.back();
      free_.pop_back();
      nodes_[n] = Node();
    } else {
      n = static_cast<int32_t>(nodes_.size());
      nodes_.emplace_back();
      if (scorer_) states_.emplace_back();
      lm_cache_.resize(nodes_.size() * lm_stride_);
      if (use_masks_) child_of_.resize(nodes_.size() * vocabulary_.size(), kNone);
    }
    Node &node = nodes_[n];
    Node &parent = nodes_[candidate.parent];
    node.id = next_id_++;
    node.character = candidate.character;
    node.parent = candidate.parent;
    node.next_sibling = parent.first_child;
    if (parent.first_child != kNone) nodes_[parent.first_child].prev_sibling = n;
    parent.first_child = n;
    if (use_masks_) {
      parent.child_mask |= uint64_t{1} << candidate.character;
      child_of_[candidate.parent * vocabulary_.size() + candidate.character] = n;
    }
    node.lm_logp = candidate.lm_logp;
    node.context = parent.context;
    if (word_lm_) {
      node.dict = scorer_->dict_step(parent.dict, candidate.character);
    } else if (char_lm_) {
      node.oov_distance =
          scorer_->token_word(candidate.character) == 0 ? 0 : std::min(parent.oov_distance + 1, kNoOov);
    }
    if (char_lm_ || (word_lm_ && candidate.character == space_id_)) {
      if (candidate.state != kNone) states_[n] = candidate_states_[candidate.state];
      else lm_score(candidate.parent, candidate.character, &states_[n]);
      if (char_lm_ && !use_masks_) node.lm_state = state_ids_.id(states_[n]);
    }
    if (word_lm_ && candidate.character == space_id_) node.context = n;
  }
  Node &node = nodes_[n];
  node.active = true;
  node.b_prev = node.b_cur = node.nb_cur = -kFloatInf;
  node.nb_prev = node.score = candidate.score;
  if (track_emissions_ && candidate.score > node.emit_term) note_emission(&node, candidate.score, node.character);
  return n;
}

// A term of the token's emission in this frame larger than the node's before (a new node's first term): its frame
// and the network's probability of the token there become the node's.
void BeamSearch::note_emission(Node *node, float term, int c) {
  node->emit_term = term;
  node->emit_frame = frame_;
  node->emit_prob = raw_row_[c];
}

// DS2's PathTrie::remove: drop the prefix from the list; free it, and ancestors left without use, once childless.
void BeamSearch::release(int32_t n) {
  nodes_[n].active = false;
  while (n != 0 && nodes_[n].first_child == kNone && !nodes_[n].active) {
    Node &node = nodes_[n];
    Node &parent = nodes_[node.parent];
    if (node.prev_sibling != kNone) nodes_[node.prev_sibling].next_sibling = node.next_sibling;
    else parent.first_child = node.next_sibling;
    if (node.next_sibling != kNone) nodes_[node.next_sibling].prev_sibling = node.prev_sibling;
    if (use_masks_) {
      parent.child_mask &= ~(uint64_t{1} << node.character);
      child_of_[node.parent * vocabulary_.size() + node.character] = kNone;
    }
    free_.push_back(n);
    n = node.parent;
  }
}

// End of a frame: roll the old prefixes' sums into scores, keep the beam_size best of them and the candidates,
// make nodes for the candidates kept, then release the old prefixes dropped (children first, so none is orphaned).
// Returns the lowest score kept.
float BeamSearch::select(std::vector<int32_t> *prefixes) {
  if (ranked_.size() < prefixes->size() + num_candidates_) ranked_.resize(prefixes->size() + num_candidates_);
  size_t count = 0;
  float min_old = kFloatInf;
  for (size_t i = 0; i < prefixes->size(); ++i) {
    prefetch_node(nodes_, *prefixes, i);
    Node &node = nodes_[(*prefixes)[i]];
    node.b_prev = node.b_cur;
    node.nb_prev = node.nb_cur;
    node.b_cur = node.nb_cur = -kFloatInf;
    node.score = log_sum_exp(node.b_prev, node.nb_prev);
    min_old = std::min(min_old, node.score);
    Ranked &entry = ranked_[count++];
    entry.key = rank_key(node.score, node.character);
    entry.ref = (*prefixes)[i];
    entry.score = node.score;
  }
  // With a full beam of old prefixes, a candidate below all of them cannot be kept.
  const float bar = prefixes->size() == beam_size_ ? min_old : -kFloatInf;
  for (size_t i = 0; i < num_candidates_; ++i) {
    if (candidates_[i].score < bar) continue;
    Ranked &entry = ranked_[count++];
    entry.key = rank_key(candidates_[i].score, candidates_[i].character);
    entry.ref = -1 - static_cast<int32_t>(i);
    entry.score = candidates_[i].score;
  }
  const size_t keep = std::min(beam_size_, count);
  float min_kept = kFloatInf;
  if (count > beam_size_) {  // the keep-th best lands at keep - 1, every entry before it ranks higher
    std::nth_element(ranked_.begin(), ranked_.begin() + (keep - 1), ranked_.begin() + count, precedes);
    min_kept = ranked_[keep - 1].score;
  } else {
    for (size_t i = 0; i < count; ++i) min_kept = std::min(min_kept, ranked_[i].score);
  }
  prefixes->resize(keep);
  for (size_t i = 0; i < keep; ++i) {
    const int32_t ref = ranked_[i].ref;
    (*prefixes)[i] = ref >= 0 ? ref : make_node(candidates_[-1 - ref]);
  }
  for (size_t i = keep; i < count; ++i) {
    if (ranked_[i].ref >= 0) release(ranked_[i].ref);
  }
  return min_kept;
}

// The state before the first frame: the empty prefix alone.
void BeamSearch::begin() {
  nodes_.assign(1, Node());
  nodes_[0].score = nodes_[0].b_prev = 0.0f;
  if (word_lm_) nodes_[0].dict = scorer_->dict_start();
  if (scorer_) states_.assign(1, scorer_->begin_state());
  if (char_lm_ && !use_masks_) nodes_[0].lm_state = state_ids_.id(states_[0]);
  lm_stride_ = use_masks_ ? (char_lm_ ? num_classes_ : word_lm_ ? 1 : 0) : 0;
  lm_cache_.assign(lm_stride_, 0.0f);
  child_of_.assign(use_masks_ ? vocabulary_.size() : 0, kNone);
  child_at_.assign(use_masks_ ? 0 : vocabulary_.size(), kNone);
  prefixes_.assign(1, 0);
  min_score_ = nodes_[0].score;
  log_prob_of_.assign(num_classes_, -kFloatInf);
  penalized_.resize(num_classes_);
}

// Steps 1 to 4 for each frame. The state between frames lives in members; the loop works on it as locals, which
// the compiler keeps in registers across the calls the loop makes (members would be read again after each call).
void BeamSearch::feed(const float *probs, size_t num_frames) {
  if (finished_) throw std::logic_error("the beam search stream is finished: no more frames can be fed");
  std::vector<int32_t> prefixes;
  std::vector<std::pair<int, float>> candidates, by_prob;
  prefixes.swap(prefixes_);
  candidates.swap(frame_tokens_);
  by_prob.swap(by_prob_);
  TopTokens top = std::move(top_);
  float *const log_prob_of = log_prob_of_.data();
  float min_score = min_score_;
  const float lm_slack = lm_slack_;
  for (size_t t = 0; t < num_frames; ++t, ++frame_) {
    const float *row = probs + t * num_classes_;
    raw_row_ = row;
    if (blank_scale_ != 1.0f) row = penalize_blank(row, num_classes_, blank_scale_, &penalized_);
    // Step 1: prune the frame's tokens by cutoff_prob and cutoff_top_n.
    pruned_log_probs(row, num_classes_, cutoff_prob_, cutoff_top_n_, &scratch_, &candidates);
    for (const auto &cand : candidates) log_prob_of[cand.first] = cand.second;
    const bool full_beam = prefixes.size() == beam_size_;

    // Step 2: the cutoffs. With an LM, DS2 skips every extension below lm_cutoff. It is computed from the same float
    // log prob as the extensions (DS2 mixed float and double here, so rounding could drop the weakest prefix's own
    // blank).
    const float log_prob_blank = static_cast<float>(std::log(static_cast<double>(row[blank_]) + kFloatMin));
    const float lm_cutoff =
        scorer_ && full_beam ? static_cast<float>(min_score + log_prob_blank - lm_slack) : -kFloatInf;
    // Every prefix of a full beam keeps at least its score plus the blank's, so a new prefix scoring below `floor`
    // cannot make the beam: it is not even queued. The LM adds at most lm_slack to an extension.
    const float floor = full_beam && log_prob_of[blank_] > -kFloatInf ? min_score + log_prob_of[blank_] : -kFloatInf;
    const float stop = std::max(lm_cutoff, floor - lm_slack);

    // Extension tokens (blank excluded) by decreasing probability, so each prefix stops at the first one below `stop`.
    // The order of updates within a frame changes no sum (each accumulator gets at most two terms), except for DS2's
    // refusal right after a word's space, so such space nodes follow DS2's token order instead.
    by_prob.clear();
    for (const auto &cand : candidates) {
      if (cand.first != blank_) by_prob.push_back(cand);
    }
    sort_by_prob(&by_prob);
    const float log_prob_blank_c = log_prob_of[blank_];
    if (use_masks_) top.assign(by_prob);

    // Step 3: extend every prefix: its blank and repeat terms, then each token above `stop`.
    num_candidates_ = 0;
    candidate_states_.clear();
    for (size_t i = 0; i < prefixes.size(); ++i) {
      prefetch_node(nodes_, prefixes, i);
      const int32_t p = prefixes[i];
      const float p_score = nodes_[p].score;
      const float b_prev = nodes_[p].b_prev;
      const int character = nodes_[p].character;
      if (log_prob_blank_c > -kFloatInf && !(log_prob_blank_c + p_score < lm_cutoff)) {
        nodes_[p].b_cur = log_prob_blank_c + p_score;  // the only term: log_sum_exp(-inf, x) is x
      }
      if (character >= 0 && log_prob_of[character] > -kFloatInf && !(log_prob_of[character] + p_score < lm_cutoff)) {
        nodes_[p].nb_cur = log_sum_exp(nodes_[p].nb_cur, log_prob_of[character] + nodes_[p].nb_prev);
      }
      const bool ds2_order = word_lm_ && nodes_[p].dict.state == Scorer::kDictFinal;
      if (use_masks_ && !ds2_order) {
        // Tokens a child or the trie can take, visited as bits; those below `stop` are skipped. Prefixes that can
        // take many tokens (word starts) first drop those below `stop` in one step.
        uint64_t todo = top.all() & (nodes_[p].dict.allowed | nodes_[p].child_mask);
        if (more_than_four_bits(todo)) todo &= top.above(p_score, stop);
        for (; todo; todo &= todo - 1) {
          const int c = __builtin_ctzll(todo);
          if (log_prob_of[c] + p_score < stop) continue;
          float log_p = log_prob_of[c] + p_score;
          if (c == character) log_p = b_prev > -kFloatInf ? log_prob_of[c] + b_prev : -kFloatInf;
          extend(p, c, log_p, floor);
        }
      } else {
        for (int32_t n = use_masks_ ? kNone : nodes_[p].first_child; n != kNone; n = nodes_[n].next_sibling) {
          child_at_[nodes_[n].character] = n;
        }
        for (const auto &cand : ds2_order ? candidates : by_prob) {
          const int c = cand.first;
          const float log_prob_c = cand.second;
          if (log_prob_c + p_score < stop) {
            if (ds2_order) continue;
            break;
          }
          if (c == blank_) continue;
          float log_p = log_prob_c + p_score;
          if (c == character) log_p = b_prev > -kFloatInf ? log_prob_c + b_prev : -kFloatInf;
          extend(p, c, log_p, floor);
        }
        for (int32_t n = use_masks_ ? kNone : nodes_[p].first_child; n != kNone; n = nodes_[n].next_sibling) {
          child_at_[nodes_[n].character] = kNone;
        }
      }
      if (!scorer_ && floor > -kFloatInf) {  // active children below `stop` still collect their term
        for (int32_t n = nodes_[p].first_child; n != kNone; n = nodes_[n].next_sibling) {
          Node &node = nodes_[n];
          const float log_prob_c = log_prob_of[node.character];
          if (!node.active || log_prob_c == -kFloatInf || !(log_prob_c + p_score < stop)) continue;
          float log_p = log_prob_c + p_score;
          if (node.character == character) log_p = b_prev > -kFloatInf ? log_prob_c + b_prev : -kFloatInf;
          node.nb_cur = log_sum_exp(node.nb_cur, log_p);
          if (track_emissions_ && log_p > node.emit_term) note_emission(&node, log_p, node.character);
        }
      }
    }
    // Step 4: keep the beam_size best of the old prefixes and the candidates.
    min_score = select(&prefixes);
    for (const auto &cand : candidates) log_prob_of[cand.first] = -kFloatInf;
  }
  min_score_ = min_score;
  prefixes.swap(prefixes_);
  candidates.swap(frame_tokens_);
  by_prob.swap(by_prob_);
  top_ = std::move(top);
}

DecodeResult BeamSearch::finish() {
  if (finished_) throw std::logic_error("the beam search stream is already finished");
  finished_ = true;
  // Step 5: the final LM scores, then (in results()) DS2's order; Step 6: the reported scores and texts.
  if (scorer_) score_endings(prefixes_);
  DecodeResult out;
  out.beams = results(prefixes_);
  if (track_emissions_) out.words = words(prefixes_[0]);
  return out;
}

int32_t BeamSearch::best_prefix() const {
  if (finished_) throw std::logic_error("the beam search stream is finished: read its results from finish()");
  int32_t best = prefixes_[0];
  for (int32_t p : prefixes_) {
    if (rank_key(nodes_[p].score, nodes_[p].character) > rank_key(nodes_[best].score, nodes_[best].character)) {
      best = p;
    }
  }
  return best;
}

// For a word LM whose last word no space has completed yet, *last_word gets that word's log10 prob (-1000 if it is
// not an LM word); else 0. With with_end, returns log10 P(</s> | prefix p's last words), -1000 when an OOV token is
// in that window; without, 0 and no </s> lookup (DS2's ending scores the last word only).
double BeamSearch::end_log_prob(int32_t p, double *last_word, bool with_end) const {
  const Node &node = nodes_[p];
  lm::ngram::State word_state, end_state;
  const lm::ngram::State *last = &states_[p];  // the LM state after the prefix's last scored token
  *last_word = 0.0;
  if (word_lm_ && p != 0 && node.character != space_id_) {
    const int64_t word = scorer_->dict_word(node.dict.state);
    if (word < 0) {
      *last_word = kOovScore;
      return with_end ? kOovScore : 0.0;
    }
    *last_word = scorer_->base_score(states_[node.context], static_cast<lm::WordIndex>(word), &word_state);
    last = &word_state;
  }
  if (!with_end) return 0.0;
  if (char_lm_ && node.oov_distance < max_order_ - 1) return kOovScore;
  return scorer_->base_score(*last, scorer_->end_word(), &end_state);
}

// Word LMs: score each prefix's last word, which no space has completed yet, as DS2 does. With the scorer's
// end_of_sentence, every LM then adds alpha * log10 P(</s> | the prefix's last words).
void BeamSearch::score_endings(const std::vector<int32_t> &prefixes) {
  // Step 5: the final LM scores.
  for (int32_t p : prefixes) {
    Node &node = nodes_[p];
    double last_word;
    const double end_logp = end_log_prob(p, &last_word, scorer_->end_of_sentence);
    if (word_lm_ && p != 0 && node.character != space_id_) node.score += word_end_score(last_word, alpha_, beta_);
    if (scorer_->end_of_sentence) node.score += static_cast<float>(end_logp * alpha_);
  }
}

// Scorer::get_sent_log_prob of the prefix's words, summed from the LM scores kept in the trie: each n-gram window
// DS2 scores from an empty context equals the score from the node's LM state, and a window with an OOV token
// scores -1000 either way. Vocabularies with multi-character tokens, and the empty prefix, take the string route.
double BeamSearch::sentence_log_prob(int32_t p, const std::vector<int> &labels) const {
  if (p == 0 || !single_char_tokens_) return scorer_->get_sent_log_prob(scorer_->split_labels(labels));
  std::vector<int32_t> path;
  path.reserve(labels.size());
  for (int32_t n = p; n != 0; n = nodes_[n].parent) path.push_back(n);
  double total = 0.0;  // summed from the first token on, as the string route does
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    if (char_lm_ || nodes_[*it].character == space_id_) total += nodes_[*it].lm_logp;
  }
  double last_word;
  const double end_logp = end_log_prob(p, &last_word, true);
  return total + last_word + end_logp;
}

BeamResults BeamSearch::results(std::vector<int32_t> &prefixes) const {
  // Step 5 (end): DS2's order. Step 6: each prefix's text and DS2's score.
  std::sort(prefixes.begin(), prefixes.end(), [this](int32_t a, int32_t b) {
    return rank_key(nodes_[a].score, nodes_[a].character) > rank_key(nodes_[b].score, nodes_[b].character);
  });
  BeamResults out;
  for (int32_t p : prefixes) {
    const std::vector<int> path = labels(p);
    const double sentence_log10 = scorer_ ? sentence_log_prob(p, path) : 0.0;
    out.emplace_back(reported_score(nodes_[p].score, path.size(), sentence_log10, alpha_, beta_), text_of(path));
  }
  return out;
}

// The tokens of prefix p, first to last.
std::vector<int> BeamSearch::labels(int32_t p) const {
  std::vector<int> out;
  for (int32_t n = p; n != 0; n = nodes_[n].parent) out.push_back(nodes_[n].character);
  std::reverse(out.begin(), out.end());
  return out;
}

std::string BeamSearch::text_of(const std::vector<int> &labels) const {
  std::string out;
  for (int label : labels) out += vocabulary_[label];
  return out;
}

// The words of prefix p with their emission frames and probabilities. A node's emission frame can move while its
// descendants' stay (rare, on flat posteriors), so each token's frame is raised to its predecessor's where it is
// earlier: words never run backwards.
std::vector<WordTiming> BeamSearch::words(int32_t p) const {
  std::vector<Emission> path;
  for (int32_t n = p; n != 0; n = nodes_[n].parent) {
    const Node &node = nodes_[n];
    path.push_back({node.character, node.emit_frame, node.emit_frame, node.emit_prob});
  }
  std::reverse(path.begin(), path.end());
  for (size_t i = 1; i < path.size(); ++i) {
    path[i].first_frame = path[i].last_frame = std::max(path[i].first_frame, path[i - 1].last_frame);
  }
  return group_words(path, vocabulary_, space_id_, char_lm_ || space_id_ < 0);
}

void check_search(size_t beam_size, double blank_penalty) {
  if (beam_size == 0) throw std::invalid_argument("beam_size must be at least 1");
  check_blank_penalty(blank_penalty);
}

// One utterance by the plain or the optimised path: the optimised one is a stream fed all frames at once.
DecodeResult decode(const float *probs, size_t num_frames, const std::vector<std::string> &vocabulary,
                    size_t beam_size, double cutoff_prob, size_t cutoff_top_n, const Scorer *scorer,
                    double blank_penalty, bool plain, bool timings) {
  if (plain) {
    return {plain_beam_search(probs, num_frames, vocabulary.size() + 1, vocabulary, beam_size, cutoff_prob,
                              cutoff_top_n, scorer, blank_penalty),
            {}};
  }
  BeamSearch search(vocabulary, beam_size, cutoff_prob, cutoff_top_n, scorer, blank_penalty, timings);
  search.feed(probs, num_frames);
  return search.finish();
}

// decode() over many utterances spread on num_threads threads; results keep the input order.
std::vector<DecodeResult> decode_batch(const std::vector<size_t> &probs, const std::vector<size_t> &num_frames,
                                       size_t num_classes, const std::vector<std::string> &vocabulary,
                                       size_t beam_size, size_t num_threads, double cutoff_prob, size_t cutoff_top_n,
                                       const Scorer *scorer, double blank_penalty, bool plain, bool timings) {
  if (probs.size() != num_frames.size()) throw std::invalid_argument("one frame count per utterance expected");
  if (num_threads == 0) throw std::invalid_argument("num_processes must be at least 1");
  check_search(beam_size, blank_penalty);
  for (size_t i = 0; i < probs.size(); ++i) {
    check_probs(reinterpret_cast<const float *>(probs[i]), num_frames[i], num_classes, vocabulary,
                "utterance " + std::to_string(i) + ": ");
  }
  std::vector<DecodeResult> results(probs.size());
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&]() {
    for (size_t i = next++; i < probs.size(); i = next++) {
      try {
        results[i] = decode(reinterpret_cast<const float *>(probs[i]), num_frames[i], vocabulary, beam_size,
                            cutoff_prob, cutoff_top_n, scorer, blank_penalty, plain, timings);
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

// The best path: each frame's most probable class, as runs of equal classes (blank runs included).
std::vector<Emission> best_path(const float *probs, size_t num_frames, size_t num_classes) {
  std::vector<Emission> runs;
  for (size_t t = 0; t < num_frames; ++t) {
    const float *row = probs + t * num_classes;
    size_t best = 0;
    float best_prob = 0.0f;
    for (size_t j = 0; j < num_classes; ++j) {
      if (best_prob < row[j]) {
        best = j;
        best_prob = row[j];
      }
    }
    const int32_t frame = static_cast<int32_t>(t);
    if (!runs.empty() && runs.back().token == static_cast<int>(best)) {
      runs.back().last_frame = frame;
      runs.back().prob = std::max(runs.back().prob, best_prob);
    } else {
      runs.push_back({static_cast<int>(best), frame, frame, best_prob});
    }
  }
  return runs;
}

}  // namespace

// The stream's vocabulary outlives its search, which refers to it.
struct StreamState {
  StreamState(const std::vector<std::string> &vocabulary, size_t beam_size, double cutoff_prob, size_t cutoff_top_n,
              const Scorer *scorer, double blank_penalty)
      : vocabulary(vocabulary),
        search(this->vocabulary, beam_size, cutoff_prob, cutoff_top_n, scorer, blank_penalty, true) {}
  const std::vector<std::string> vocabulary;
  BeamSearch search;
};

BeamSearchStream::BeamSearchStream(const std::vector<std::string> &vocabulary, size_t beam_size, double cutoff_prob,
                                   size_t cutoff_top_n, Scorer *ext_scorer, double blank_penalty) {
  check_search(beam_size, blank_penalty);
  state_ = std::make_unique<StreamState>(vocabulary, beam_size, cutoff_prob, cutoff_top_n, ext_scorer, blank_penalty);
}

BeamSearchStream::~BeamSearchStream() = default;

void BeamSearchStream::feed(size_t probs, size_t num_frames, size_t num_classes) {
  const float *data = reinterpret_cast<const float *>(probs);
  check_probs(data, num_frames, num_classes, state_->vocabulary, "");
  state_->search.feed(data, num_frames);
}

std::string BeamSearchStream::partial() const { return state_->search.text(state_->search.best_prefix()); }

std::vector<WordTiming> BeamSearchStream::partial_words() const {
  return state_->search.words(state_->search.best_prefix());
}

DecodeResult BeamSearchStream::finish() { return state_->search.finish(); }

size_t BeamSearchStream::frames() const { return state_->search.frames_fed(); }

std::string ctc_greedy_decoder(size_t probs, size_t num_frames, size_t num_classes,
                               const std::vector<std::string> &vocabulary) {
  const float *data = reinterpret_cast<const float *>(probs);
  check_probs(data, num_frames, num_classes, vocabulary, "");
  std::string text;
  for (const Emission &run : best_path(data, num_frames, num_classes)) {
    if (run.token != static_cast<int>(vocabulary.size())) text += vocabulary[run.token];
  }
  return text;
}

std::vector<WordTiming> ctc_greedy_word_timings(size_t probs, size_t num_frames, size_t num_classes,
                                                const std::vector<std::string> &vocabulary) {
  const float *data = reinterpret_cast<const float *>(probs);
  check_probs(data, num_frames, num_classes, vocabulary, "");
  std::vector<Emission> path = best_path(data, num_frames, num_classes);
  const int blank = static_cast<int>(vocabulary.size());
  path.erase(std::remove_if(path.begin(), path.end(), [blank](const Emission &run) { return run.token == blank; }),
             path.end());
  const auto space = std::find(vocabulary.begin(), vocabulary.end(), " ");
  if (space == vocabulary.end()) return group_words(path, vocabulary, -2, true);
  return group_words(path, vocabulary, static_cast<int>(space - vocabulary.begin()), false);
}

BeamResults ctc_beam_search_decoder(size_t probs, size_t num_frames, size_t num_classes,
                                    const std::vector<std::string> &vocabulary, size_t beam_size,
                                    double cutoff_prob, size_t cutoff_top_n, Scorer *ext_scorer,
                                    double blank_penalty, bool plain) {
  const float *data = reinterpret_cast<const float *>(probs);
  check_search(beam_size, blank_penalty);
  check_probs(data, num_frames, num_classes, vocabulary, "");
  return decode(data, num_frames, vocabulary, beam_size, cutoff_prob, cutoff_top_n, ext_scorer, blank_penalty, plain,
                false)
      .beams;
}

std::vector<BeamResults> ctc_beam_search_decoder_batch(const std::vector<size_t> &probs,
                                                       const std::vector<size_t> &num_frames, size_t num_classes,
                                                       const std::vector<std::string> &vocabulary, size_t beam_size,
                                                       size_t num_threads, double cutoff_prob, size_t cutoff_top_n,
                                                       Scorer *ext_scorer, double blank_penalty, bool plain) {
  std::vector<BeamResults> beams;
  for (DecodeResult &result : decode_batch(probs, num_frames, num_classes, vocabulary, beam_size, num_threads,
                                           cutoff_prob, cutoff_top_n, ext_scorer, blank_penalty, plain, false)) {
    beams.push_back(std::move(result.beams));
  }
  return beams;
}

std::vector<DecodeResult> ctc_beam_search_decoder_batch_timed(
    const std::vector<size_t> &probs, const std::vector<size_t> &num_frames, size_t num_classes,
    const std::vector<std::string> &vocabulary, size_t beam_size, size_t num_threads, double cutoff_prob,
    size_t cutoff_top_n, Scorer *ext_scorer, double blank_penalty) {
  return decode_batch(probs, num_frames, num_classes, vocabulary, beam_size, num_threads, cutoff_prob, cutoff_top_n,
                      ext_scorer, blank_penalty, false, true);
}
