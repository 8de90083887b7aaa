# Decoder and model flags shared by the Aishell test/infer scripts (sourced, not run). MODEL_PATH
# defaults to the checkpoint of run_train.sh; the *_golden.sh scripts point it at the released model.
MODEL_PATH=${MODEL_PATH:-checkpoints/aishell/params.latest}
DECODE_FLAGS=(
    --beam_size=300
    --num_proc_bsearch=8
    --num_proc_data=8
    --alpha=2.6
    --beta=5.0
    --cutoff_prob=0.99
    --cutoff_top_n=40
    --use_gpu=True
    --decoding_method='ctc_beam_search'
    --error_rate_type='cer'
    --model_path="$MODEL_PATH"
    --lang_model_path='models/lm/zh_giga.no_cna_cmn.prune01244.klm'
)

# DS2's Mandarin character LM, downloaded once
bash models/lm/download_lm_ch.sh || { echo "Downloading the language model failed. Terminated." >&2; exit 1; }
