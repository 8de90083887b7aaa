// CTC greedy and prefix beam search decoders with DS2's semantics: input is per-frame probabilities, rows of
// len(vocabulary) + 1 floats with the blank last. Each probability matrix is passed as the address (as size_t) of a
// C-contiguous float32 buffer plus its shape, so NumPy arrays reach C++ without per-element conversion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scorer.h"

typedef std::vector<std::pair<double, std::string>> BeamResults;

// Best path: most probable token per frame, repeats merged, blanks removed ("" for zero frames).
std::string ctc_greedy_decoder(size_t probs, size_t num_frames, size_t num_classes,
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
