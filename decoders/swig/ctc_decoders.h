// CTC greedy and prefix beam search decoders with DS2's semantics: input is per-frame probabilities, rows of
// len(vocabulary) + 1 floats with the blank last. Each probability matrix is passed as the address (as size_t) of a
// C-contiguous float32 buffer plus its shape, so NumPy arrays reach C++ without per-element conversion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scorer.h"
#include "word_timing.h"

// Best path: most probable token per frame, repeats merged, blanks removed ("" for zero frames).
std::string ctc_greedy_decoder(size_t probs, size_t num_frames, size_t num_classes,
                               const std::vector<std::string> &vocabulary);

// The words of the greedy decoder's text, with their timings.
std::vector<WordTiming> ctc_greedy_word_timings(size_t probs, size_t num_frames, size_t num_classes,
                                                const std::vector<std::string> &vocabulary);

// Prefix beam search; returns up to beam_size (score, text) pairs, best first (zero frames: the empty text alone).
// score is DS2's: the negated approximate CTC log probability (the LM part removed), so lower is better.
// blank_penalty is subtracted from the blank's log probability in every frame before the frame is renormalised (0,
// DS2's search: none); a positive one keeps more spellings in the beam for the LM to choose among. plain runs the
// plain path (plain_beam_search.h), which gives the same results more slowly; false runs the optimised one.
BeamResults ctc_beam_search_decoder(size_t probs, size_t num_frames, size_t num_classes,
                                    const std::vector<std::string> &vocabulary, size_t beam_size,
                                    double cutoff_prob, size_t cutoff_top_n, Scorer *ext_scorer,
                                    double blank_penalty = 0.0, bool plain = false);

// ctc_beam_search_decoder over many utterances spread on num_threads threads; results keep the input order.
std::vector<BeamResults> ctc_beam_search_decoder_batch(const std::vector<size_t> &probs,
                                                       const std::vector<size_t> &num_frames, size_t num_classes,
                                                       const std::vector<std::string> &vocabulary, size_t beam_size,
                                                       size_t num_threads, double cutoff_prob, size_t cutoff_top_n,
                                                       Scorer *ext_scorer, double blank_penalty = 0.0,
                                                       bool plain = false);

// ctc_beam_search_decoder_batch by the optimised path, with the words and timings of each utterance's best text.
// The beams are those of ctc_beam_search_decoder_batch, to the bit.
std::vector<DecodeResult> ctc_beam_search_decoder_batch_timed(
    const std::vector<size_t> &probs, const std::vector<size_t> &num_frames, size_t num_classes,
    const std::vector<std::string> &vocabulary, size_t beam_size, size_t num_threads, double cutoff_prob,
    size_t cutoff_top_n, Scorer *ext_scorer, double blank_penalty = 0.0);

struct StreamState;

// The optimised prefix beam search as a stream: feed frames in chunks of any size, read the best text so far at any
// time, finish once. feed() + finish() give ctc_beam_search_decoder's results to the bit, whatever the chunking (the
// offline decoder is this stream fed all frames at once). Each stream owns its state, so streams run concurrently
// on different threads; one stream must be used by one thread at a time. The scorer is shared read-only and must
// outlive the stream.
class BeamSearchStream {
 public:
  BeamSearchStream(const std::vector<std::string> &vocabulary, size_t beam_size, double cutoff_prob,
                   size_t cutoff_top_n, Scorer *ext_scorer, double blank_penalty = 0.0);
  ~BeamSearchStream();
  // num_frames rows of num_classes float32 probabilities at address probs (as ctc_beam_search_decoder takes them).
  void feed(size_t probs, size_t num_frames, size_t num_classes);
  // The text of the prefix the beam ranks first now, by its search score: the LM scores of the words (word LM) or
  // characters (character LM) completed so far are in it, the final ones (a word LM's unfinished last word, </s>)
  // are not; O(beam_size) plus the text's length.
  std::string partial() const;
  // The words of that prefix, with timings so far.
  std::vector<WordTiming> partial_words() const;
  // The final LM scores and the results, as ctc_beam_search_decoder gives them, with the best text's words. Ends
  // the stream: feed, partial and finish raise afterwards.
  DecodeResult finish();
  size_t frames() const;

#ifndef SWIG
 private:
  std::unique_ptr<StreamState> state_;
#endif
};
