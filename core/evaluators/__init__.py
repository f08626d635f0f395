"""Measures, one model family a module (`python -m core.evaluate <id>` picks the one a model's card needs).

likelihood.py holds the digit VAEs' likelihood bounds; digits.py the digit models' and judges' measures (the
GANs share its sample measures); gans.py the GANs'; faces.py the face judge's and face VAE's (CelebA).
"""
