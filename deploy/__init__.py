"""Serving Latent Lab beyond one presenter: Streamlit replicas behind nginx (replicas.py, nginx.conf)."""
