"""Model families. Each file builds Keras 3 functional encoder/decoder models and keeps its loss in `train_step`."""
