"""Face editing: start from a random face, a held-out CelebA test face or your own photo, and add or take away
attributes (Smiling, Eyeglasses, Male ...) by moving its latent code in the face VAE.

Each slider moves the code by its attribute's measured edit (the method that won on validation faces), times the
slider's value, holding what that edit held unless unticked (LatentModel.measured_edit); the face judge reads the
edited face. The edit (start, seed or test face, strengths,
held attributes, strip attribute) is kept in the URL, never an uploaded photo. The parts are in dashboard/faces.py and its face_*.py modules;
this script lays them out. The editor is a fragment: moving a slider reruns it alone; the strip is another.
A model of the user's own pictures made with an attribute file gets face_yours.py's page instead: the same live
sliders, along unmeasured mean-difference vectors.
"""
import streamlit as st

import face_card
import face_editor
import face_link
import face_yours
import faces
import links
import ui

ui.setup_page("Face editing")
st.title("Face editing", anchor=False)  # before the picker: the page is named even when no face model is shipped
model = ui.pick_model("faces")
if ui.of_yours(model):  # a model of the user's own pictures, with their attribute file's vectors
    face_yours.page(model)
    st.stop()
metrics = model.card.get("metrics", {})
measured = ([f"redraws held-out test faces with a mean squared error of {metrics['reconstruction_mse']:.4f} a "
             "pixel"] if "reconstruction_mse" in metrics else []) + \
           ([f"keeps the judge's reading of a face in its reconstruction {metrics['judge_agreement']:.0%} of the "
             "time"] if "judge_agreement" in metrics else [])
st.caption("Move a face's latent code in the face VAE to add or take away an attribute. Each slider makes the edit "
           "that worked best for its attribute on validation faces, learned from CelebA's labels of the training "
           "faces; at 1 it is the edit whose success on held-out faces is measured below."
           + (f" This model {' and '.join(measured)}." if measured else ""))
if not model.attribute_vectors:
    st.info(f"**{model.id}** ships no attribute vectors yet; `python -m core.evaluate {model.id}` writes them.")
    st.stop()
notice = st.empty()
ignored = face_link.read_link(model)
start = face_editor.start_face(model)
face_editor.editor(model, start)
face_editor.strip(model, start)
face_card.prior_against_trick(model)
face_card.measured(model)
face_card.biases(model, st.session_state.get(faces.attrs_key(model)) or faces.default_sliders(model))
links.notice(notice, ignored)
