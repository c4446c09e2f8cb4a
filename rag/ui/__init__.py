"""The Streamlit pieces of the web app: sign-in, sidebar, documents and uploads, chat with sources."""
