"""Process-wide settings the dashboard needs before TensorFlow or a page loads; imported first, by ui.

Kept apart so that what reaches outside the app (an environment variable, a private Streamlit hook) is in one
place a newcomer can find.
"""
import os

from streamlit.runtime.scriptrunner import script_runner as _script_runner

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up notes out of the server log

# After every script run Streamlit 1.67 calls keras.backend.clear_session() once Keras is imported: a full
# garbage collection under the GIL and TensorFlow's kernel cache dropped, in every session (a warm decode
# then takes 3.7x longer). Models here are loaded once and shared through st.cache_resource: there is no
# per-run Keras state to clear. A private hook, so streamlit stays pinned in requirements.txt.
_script_runner._clean_problem_modules = lambda: None
