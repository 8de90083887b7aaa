#!/usr/bin/env bash
# Grid-search alpha and beta on dev-clean (DS2's grid: 45 x 8 points).
set -e
cd "$(dirname "$0")/../.."

bash models/lm/download_lm_en.sh || { echo "Downloading the language model failed. Terminated." >&2; exit 1; }

CUDA_VISIBLE_DEVICES=0 \
python -u tools/tune.py \
    --num_batches=-1 \
    --batch_size=128 \
    --beam_size=500 \
    --num_proc_bsearch=12 \
    --num_alphas=45 \
    --num_betas=8 \
    --alpha_from=1.0 \
    --alpha_to=3.2 \
    --beta_from=0.1 \
    --beta_to=0.45 \
    --cutoff_prob=1.0 \
    --cutoff_top_n=40 \
    --use_gpu=True \
    --tune_manifest='data/librispeech/manifest.dev-clean' \
    --model_path='checkpoints/libri/params.latest' \
    --lang_model_path='models/lm/common_crawl_00.prune01111.trie.klm' \
    --error_rate_type='wer' \
    --table_path='checkpoints/libri/tune.csv' \
    --plot_path='checkpoints/libri/tune_surface.png' \
    || { echo "Failed in tuning!" >&2; exit 1; }
