// Caches of LM scores for vocabularies too large for a per-node table (64 tokens or more): the Mandarin path.
//
// The beam search asks for the LM score of the same token after the same LM state again and again: in frame after
// frame while a prefix stays in the beam, and from the many prefixes of the beam that differ only further back than
// the LM's order. Each KenLM lookup walks several n-gram tables; a hit in ScoreCache reads one slot. States are
// numbered by StateIds, so a key is two integers and a match is exact.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lm/state.hh"

// Numbers the distinct KenLM states of one search: equal states (same context words) get the same id.
class StateIds {
 public:
  int32_t id(const lm::ngram::State &state) {
    if (2 * (states_.size() + 1) > index_.size()) rebuild(std::max<size_t>(1024, 4 * index_.size()));
    size_t i = slot_of(state);
    for (; index_[i] != kEmpty; i = (i + 1) & (index_.size() - 1)) {
      if (states_[index_[i]] == state) return index_[i];
    }
    index_[i] = static_cast<int32_t>(states_.size());
    states_.push_back(state);
    return index_[i];
  }

 private:
  static constexpr int32_t kEmpty = -1;

  size_t slot_of(const lm::ngram::State &state) const {
    return static_cast<size_t>(lm::ngram::hash_value(state)) & (index_.size() - 1);
  }

  void rebuild(size_t slots) {
    index_.assign(slots, kEmpty);
    for (size_t n = 0; n < states_.size(); ++n) {
      size_t i = slot_of(states_[n]);
      while (index_[i] != kEmpty) i = (i + 1) & (slots - 1);
      index_[i] = static_cast<int32_t>(n);
    }
  }

  std::vector<lm::ngram::State> states_;
  std::vector<int32_t> index_;  // open addressing, a power of two long
};

// LM scores by (context, token): a StateIds id for character LMs, a prefix's never reused id for word LMs.
class ScoreCache {
 public:
  static uint64_t key(uint32_t context, int token) {
    return (static_cast<uint64_t>(context) << 32) | static_cast<uint32_t>(token);
  }

  // Looks `key` up: true and *value set when it is held.
  bool find(uint64_t key, float *value) const {
    if (slots_.empty()) return false;
    for (size_t i = slot_of(key);; i = (i + 1) & (kSlots - 1)) {
      const Slot &slot = slots_[i];
      if (slot.key == key) {
        *value = slot.value;
        return true;
      }
      if (slot.key == kEmpty) return false;
    }
  }

  // Stores a key that find() did not hold. A table half full is emptied first: entries are mostly wanted again
  // within a few frames, and any entry can be computed again.
  void insert(uint64_t key, float value) {
    if (slots_.empty()) slots_.resize(kSlots);
    if (2 * (count_ + 1) > kSlots) {
      std::fill(slots_.begin(), slots_.end(), Slot{});
      count_ = 0;
    }
    size_t i = slot_of(key);
    while (slots_[i].key != kEmpty) i = (i + 1) & (kSlots - 1);
    slots_[i] = {key, value};
    ++count_;
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static constexpr int kLogSlots = 16;
  static constexpr size_t kSlots = size_t{1} << kLogSlots;
  struct Slot {
    uint64_t key = kEmpty;
    float value = 0.0f;
  };

  static size_t slot_of(uint64_t key) { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - kLogSlots)); }

  std::vector<Slot> slots_;  // kSlots once used (open addressing)
  size_t count_ = 0;
};
