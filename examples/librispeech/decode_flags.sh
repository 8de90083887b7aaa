# Decoder and model flags shared by the LibriSpeech test/infer scripts (sourced, not run). MODEL_PATH
# defaults to the checkpoint of run_train.sh; the *_golden.sh scripts point it at the released model.
MODEL_PATH=${MODEL_PATH:-checkpoints/libri/params.latest}
DECODE_FLAGS=(
    --beam_size=500
    --num_proc_bsearch=8
    --num_proc_data=8
    --alpha=2.5
    --beta=0.3
    --cutoff_prob=1.0
    --cutoff_top_n=40
    --use_gpu=True
    --decoding_method='ctc_beam_search'
    --error_rate_type='wer'
    --model_path="$MODEL_PATH"
    --lang_model_path='models/lm/common_crawl_00.prune01111.trie.klm'
)

# DS2's English LM (8.3 GB), downloaded once
bash models/lm/download_lm_en.sh || { echo "Downloading the language model failed. Terminated." >&2; exit 1; }
