"""Trainers, one model family a module (`python -m core.train <id>` picks the one a recipe's family needs).

common.py holds what every family shares (the runs folder, the fit/validation split, the distribution strategy,
writing and measuring a trained model); digits.py the autoencoder, VAEs and digit judges; faces.py the CelebA
models; gans.py the GANs; sharpen.py the face decoder's fine-tune against a patch critic.
"""
