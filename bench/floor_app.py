"""The least a Streamlit page can ask of a browser: a slider, and one picture that changes with it.

`python -m bench.load --floor` runs the load pattern against this instead of the dashboard, so the
dashboard's figures can be read against what any Streamlit page gets on the same machine.
"""
import numpy as np
import streamlit as st

step = st.slider("Step", 0, 100, 50, key="step")
noise = np.random.default_rng(step).random((24, 24)) > 0.5  # a 720 x 720 picture, different at every step
st.image(np.kron(noise, np.ones((30, 30))).astype(np.uint8) * 255, width=720, output_format="PNG")
