#include "scorer.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "decoder_utils.h"
#include "lm/config.hh"
#include "lm/enumerate_vocab.hh"
#include "lm/model.hh"

namespace {

const char *const kStartToken = "<s>";
const char *const kEndToken = "</s>";
const char *const kUnkToken = "<unk>";

class CollectVocab : public lm::EnumerateVocab {
 public:
  void Add(lm::WordIndex index, const StringPiece &str) override {
    words.emplace_back(index, std::string(str.data(), str.size()));
  }
  std::vector<std::pair<lm::WordIndex, std::string>> words;
};

}  // namespace

Scorer::Scorer(double alpha, double beta, const std::string &model_path, const std::vector<std::string> &vocabulary,
               bool end_of_sentence)
    : alpha(alpha), beta(beta), end_of_sentence(end_of_sentence), vocabulary_(vocabulary) {
  if (!std::ifstream(model_path).good()) throw std::invalid_argument("cannot open language model file: " + model_path);
  CollectVocab collect;
  lm::ngram::Config config;
  config.enumerate_vocab = &collect;
  config.messages = nullptr;
  try {
    model_.reset(lm::ngram::LoadVirtual(model_path.c_str(), config));
  } catch (const std::exception &e) {
    throw std::runtime_error("cannot load language model " + model_path + ": " + e.what());
  }
  max_order_ = model_->Order();
  model_->BeginSentenceWrite(&begin_state_);

  for (const auto &entry : collect.words) {
    const std::string &word = entry.second;
    if (word == kStartToken || word == kEndToken || word == kUnkToken) continue;
    if (split_utf8(word).size() > 1) {
      is_character_based_ = false;
      break;
    }
  }
  for (size_t i = 0; i < vocabulary_.size(); ++i) {
    if (vocabulary_[i] == " ") space_id_ = static_cast<int>(i);
  }
  token_words_.resize(vocabulary_.size());
  for (size_t i = 0; i < vocabulary_.size(); ++i) token_words_[i] = model_->BaseVocabulary().Index(vocabulary_[i]);
  if (!is_character_based_) build_dictionary(collect.words);
}

Scorer::~Scorer() = default;

void Scorer::reset_params(double new_alpha, double new_beta) {
  alpha = new_alpha;
  beta = new_beta;
}

double Scorer::get_log_cond_prob(const std::vector<std::string> &words) const {
  lm::ngram::State state, out_state;
  model_->NullContextWrite(&state);
  double cond_prob = 0.0;
  for (const auto &word : words) {
    const lm::WordIndex index = model_->BaseVocabulary().Index(word);
    if (index == 0) return kOovScore;
    cond_prob = model_->BaseScore(&state, index, &out_state);
    state = out_state;
  }
  return cond_prob;
}

double Scorer::get_sent_log_prob(const std::vector<std::string> &words) const {
  std::vector<std::string> sentence;
  const size_t pad = words.empty() ? max_order_ : max_order_ - 1;
  sentence.assign(pad, kStartToken);
  sentence.insert(sentence.end(), words.begin(), words.end());
  sentence.push_back(kEndToken);
  double score = 0.0;
  for (size_t i = 0; i + max_order_ <= sentence.size(); ++i) {
    score += get_log_cond_prob(std::vector<std::string>(sentence.begin() + i, sentence.begin() + i + max_order_));
  }
  return score;
}

std::vector<std::string> Scorer::split_labels(const std::vector<int> &labels) const {
  std::string text;
  for (int label : labels) text += vocabulary_[label];
  return is_character_based_ ? split_utf8(text) : split_words(text);
}

void Scorer::build_dictionary(const std::vector<std::pair<lm::WordIndex, std::string>> &lm_words) {
  std::unordered_map<std::string, int> token_of;
  for (size_t i = 0; i < vocabulary_.size(); ++i) token_of[vocabulary_[i]] = static_cast<int>(i);
  // Build with ordered maps, then flatten into compressed rows for cache-friendly lookups.
  std::vector<std::map<int, int32_t>> children(1);
  std::vector<int64_t> word_at(1, -1);
  for (const auto &entry : lm_words) {
    std::vector<int> tokens;
    for (const auto &ch : split_utf8(entry.second)) {
      auto found = token_of.find(ch);
      if (found == token_of.end() || found->second == space_id_) {
        tokens.clear();
        break;
      }
      tokens.push_back(found->second);
    }
    if (tokens.empty()) continue;
    int32_t state = kDictStart;
    for (int token : tokens) {
      auto next = children[state].find(token);
      if (next == children[state].end()) {
        children.emplace_back();
        word_at.push_back(-1);
        next = children[state].emplace(token, static_cast<int32_t>(children.size() - 1)).first;
      }
      state = next->second;
    }
    if (word_at[state] < 0) ++dict_size_;
    word_at[state] = entry.first;
  }
  use_masks_ = vocabulary_.size() < 64;
  if (use_masks_ && space_id_ >= 0) space_bit_ = uint64_t{1} << space_id_;
  for (size_t state = 0; state < children.size(); ++state) {
    DictState entry{0, static_cast<int32_t>(edge_token_.size()), static_cast<int32_t>(word_at[state])};
    for (const auto &edge : children[state]) {
      edge_token_.push_back(edge.first);
      edges_.push_back({edge.second, 0, 0});
      if (use_masks_) entry.edge_mask |= uint64_t{1} << edge.first;
    }
    dict_.push_back(entry);
  }
  dict_.push_back({0, static_cast<int32_t>(edge_token_.size()), -1});
  for (auto &edge : edges_) {
    edge.first_edge = dict_[edge.state].first_edge;
    edge.allowed = dict_allowed(edge.state);
  }
}
