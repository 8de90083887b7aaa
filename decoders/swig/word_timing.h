// What the decoders return besides texts: each word's timing and confidence, and an utterance's results with them.
#pragma once

#include <string>
#include <utility>
#include <vector>

typedef std::vector<std::pair<double, std::string>> BeamResults;

// A word of a decoded text with its timing, in output frames counted from the utterance's first (0). start_frame is
// the frame where its first token was emitted, end_frame where its last one was; confidence, in [0, 1], is the mean
// over its tokens of the network's probability of the token in its emission frame. The beam search's emission frame
// of a token is the frame of the likeliest term that put it after its prefix while the prefix was in the beam; the
// greedy decoder's tokens span their runs of frames (start: the first token's first frame, end: the last token's
// last frame; probability: the highest in the run). Words are split at space tokens; with a character LM, or a
// vocabulary without a space token, every token is a word. Space tokens belong to no word.
struct WordTiming {
  std::string text;
  int start_frame = 0;
  int end_frame = 0;
  double confidence = 0.0;
};

// The results of one utterance, best first, and the words of the best (empty unless timings were asked for).
struct DecodeResult {
  BeamResults beams;
  std::vector<WordTiming> words;
};
