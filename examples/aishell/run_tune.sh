#!/usr/bin/env bash
# Grid-search alpha and beta on the Aishell dev set, by CER.
set -e
cd "$(dirname "$0")/../.."

bash models/lm/download_lm_ch.sh || { echo "Downloading the language model failed. Terminated." >&2; exit 1; }

CUDA_VISIBLE_DEVICES=0 \
python -u tools/tune.py \
    --num_batches=-1 \
    --batch_size=128 \
    --beam_size=300 \
    --num_proc_bsearch=12 \
    --num_alphas=45 \
    --num_betas=8 \
    --alpha_from=1.0 \
    --alpha_to=3.2 \
    --beta_from=3.0 \
    --beta_to=6.5 \
    --cutoff_prob=0.99 \
    --cutoff_top_n=40 \
    --use_gpu=True \
    --tune_manifest='data/aishell/manifest.dev' \
    --model_path='checkpoints/aishell/params.latest' \
    --lang_model_path='models/lm/zh_giga.no_cna_cmn.prune01244.klm' \
    --error_rate_type='cer' \
    --table_path='checkpoints/aishell/tune.csv' \
    --plot_path='checkpoints/aishell/tune_surface.png' \
    || { echo "Failed in tuning!" >&2; exit 1; }
