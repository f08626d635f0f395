"""Latent Lab core: data, models, latent-space maths, training and evaluation.

Public API (importing `core` does not import TensorFlow):
    core.list_models()        -> model cards of the shipped generative models, then the user's ($LATENT_LAB_MODELS)
    core.load_model(model_id) -> LatentModel with encode / decode / sample / card
                                 (the PixelCNN, "mnist-pixelcnn": PixelCNNModel with log_prob / sample / complete)
    core.load_judge()         -> the MNIST judge classifier
"""
from .registry import PretrainedError, list_models, load_judge, load_model

__all__ = ["list_models", "load_model", "load_judge", "PretrainedError"]
